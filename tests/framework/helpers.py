"""Small hand-written transcripts for the tracker tests (our own sentences)."""

from __future__ import annotations

from framework.types import Utterance


def script(lines: list[str], start_s: float = 0.0, pause_s: float = 0.6,
           wpm: float = 150.0) -> list[Utterance]:
    """Utterances paced like speech: each line lasts its words at ``wpm``."""
    out = []
    t = start_s
    for line in lines:
        dur = max(0.5, len(line.split()) * 60.0 / wpm)
        out.append(Utterance(line, t, t + dur))
        t += dur + pause_s
    return out


WALKTHROUGH = [
    # requirements
    "Before I design anything, let me confirm scope with a few clarifying questions.",
    "Users can upload a photo and share it with their followers.",
    "Users can view a feed of photos from people they follow.",
    "For non-functional requirements we want high availability and low latency for the feed.",
    "Let's assume 100 million daily active users and that it is read heavy.",
    "Comments and direct messages are out of scope.",
    # estimation
    "Let me do a quick back of the envelope estimate.",
    "100 million users each view 10 photos per day, that is a billion reads per day.",
    "A day is about 86,400 seconds, so roughly 12,000 reads per second on average.",
    "Each photo is about 1 MB and we get 10 million uploads per day.",
    "So storage grows about 10 TB per day.",
    # api
    "Now the API would be a small REST API.",
    "A POST request to upload a photo returns the photo id,"
    " and a GET request for the feed with a cursor for pagination.",
    # data model
    "For the data model, the core entities are users, photos and follows.",
    "The photos table has a primary key of photo id and a foreign key to the user,"
    " with an index on created at.",
    # high level
    "At a high level, clients go through a load balancer to stateless application servers.",
    "Photos live in an object store behind a CDN, metadata in a database,"
    " and a cache in front of it.",
    # deep dive
    "Let's dive into the feed generation, which is the hard part.",
    "We can fan out on write: when a user posts, a worker pushes the photo id"
    " into each follower's feed list.",
    "For celebrities with millions of followers we switch to fan out on read to avoid a hot key.",
    # scaling
    "To scale this further, the first bottleneck is the database.",
    "We add read replicas, shard the photos table by user id,"
    " and put monitoring and alerting on queue lag.",
    # wrap up
    "To wrap up, we built a photo sharing service with a precomputed feed.",
    "If I had more time I would revisit the ranking of the feed.",
]
WALKTHROUGH_PHASES = (
    ["requirements"] * 6 + ["estimation"] * 5 + ["api"] * 2 + ["data_model"] * 2
    + ["high_level"] * 2 + ["deep_dive"] * 3 + ["scaling"] * 2 + ["wrap_up"] * 2
)
