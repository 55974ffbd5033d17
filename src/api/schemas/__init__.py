"""HTTP response bodies, one module per router (api/routes/<resource>.py -> api/schemas/<resource>.py).

Write routes take bodies generated from the command models (service.commands), so nothing here
validates input except the few bodies that are not commands (a settlement quote, a batch).
"""
