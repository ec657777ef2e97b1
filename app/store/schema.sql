-- mockcoach session store, schema version 1 (the baseline).
-- A fresh database runs this file, then every migration in MIGRATIONS (app/store/db.py) in order;
-- PRAGMA user_version records how far it got. Never edit a released version of this file:
-- change the schema with a new migration instead.

CREATE TABLE sessions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at         TEXT    NOT NULL,             -- ISO 8601, UTC
    ended_at           TEXT,
    title              TEXT    NOT NULL DEFAULT '',
    framework          TEXT    NOT NULL DEFAULT '',
    round_s            REAL    NOT NULL DEFAULT 2700,
    duration_s         REAL    NOT NULL DEFAULT 0,   -- kept current while recording
    notes              TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'finished', 'recovered')),
    audio_path         TEXT,                          -- relative to the session folder
    settings_json      TEXT    NOT NULL DEFAULT '{}'
);

CREATE TABLE segments (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    start_s            REAL    NOT NULL,
    end_s              REAL    NOT NULL,
    text               TEXT    NOT NULL,
    phase              TEXT                           -- phase current when it was said
);
CREATE INDEX segments_by_session ON segments(session_id, start_s);

CREATE TABLE phase_changes (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_s               REAL    NOT NULL,
    phase              TEXT    NOT NULL,
    previous_phase     TEXT,
    evidence           TEXT    NOT NULL DEFAULT '',
    manual             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX phase_changes_by_session ON phase_changes(session_id, at_s);

-- One row per stretch of time in a phase; end_s is NULL while the stretch is open.
CREATE TABLE phase_spans (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    phase              TEXT    NOT NULL,
    start_s            REAL    NOT NULL,
    end_s              REAL,
    budget_s           REAL
);
CREATE INDEX phase_spans_by_session ON phase_spans(session_id, start_s);

CREATE TABLE captures (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_s               REAL    NOT NULL,
    image_path         TEXT,                          -- relative to the session folder; NULL when typed
    ocr_text           TEXT    NOT NULL DEFAULT '',
    prompt_title       TEXT    NOT NULL DEFAULT '',
    requirements_json  TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX captures_by_session ON captures(session_id, at_s);

CREATE TABLE coverage_events (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_s               REAL    NOT NULL,
    item_id            TEXT    NOT NULL,
    kind               TEXT    NOT NULL,              -- 'checklist' | 'requirement'
    label              TEXT    NOT NULL DEFAULT '',
    evidence           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX coverage_by_session ON coverage_events(session_id, at_s);

CREATE TABLE nudges (
    id                 INTEGER PRIMARY KEY,
    session_id         INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    at_s               REAL    NOT NULL,
    kind               TEXT    NOT NULL,
    text               TEXT    NOT NULL
);
CREATE INDEX nudges_by_session ON nudges(session_id, at_s);

-- Full-text search over what was said, kept in step with `segments` by triggers
-- (they also fire for rows removed by ON DELETE CASCADE).
CREATE VIRTUAL TABLE segments_fts USING fts5(
    text, content='segments', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
    INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO segments_fts(rowid, text) VALUES (new.id, new.text);
END;
