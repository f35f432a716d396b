"""Where the server under test lives."""

BASE_URL = "http://127.0.0.1:8500"
RESOURCE = f"{BASE_URL}/mcp"
