"""The terminal UI: the only package that imports textual.

``app.py`` holds the App (screens, bindings, themes, the command palette, the
worker error handler); ``screens/`` one screen a module; ``widgets/`` one widget
a module, each with its own messages; ``messages.py`` what crosses widgets;
``*.tcss`` all styling.  Everything shown comes from the model
(:mod:`tlsviz.session`): the UI formats, it never re-parses bytes.
"""
