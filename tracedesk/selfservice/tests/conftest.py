from tracedesk.messaging.testing import notify, outbox

__all__ = ["notify", "outbox"]
