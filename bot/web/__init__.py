"""The browser app: the only part of the bot that imports FastAPI and Gradio.

``app`` assembles it (``create_app``, ``serve``); ``api`` holds the JSON routes,
``pages`` the document view and the widget, ``admin`` the readings admin, ``ui``
the Gradio chat, ``render`` the escaping every page relies on, and ``security``
the framing and CORS policy. Importing this package imports none of them.
"""
