"""One module per use case, each a func.Blueprint with thin HTTP triggers (see shared/endpoint.py).

Cold start is import time, so these modules import only azure.functions and shared.endpoint:
models are named by string in @endpoint, and a handler imports its service module on first call.
"""
