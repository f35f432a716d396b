"""Tool-call usage: the account's quota counters and the monthly breakdown by user and by tool."""
