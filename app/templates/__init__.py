"""Files the HTML report inlines (CSS); read with importlib.resources."""
