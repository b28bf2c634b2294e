"""Forms layer: one WTForms class per form key, rendered as HTML and as JSON schema.

Forms validate input and hand typed values to the engine's domain services;
they never touch the workflow state themselves.
"""
