from ninja import NinjaAPI

api = NinjaAPI(title="tracedesk API", version="1")
