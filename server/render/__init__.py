"""What a tool call answers: the complete structured result, and a compact text for the model.

``views`` says, per kind of item, which fields a list line shows and which tool gives the whole
item; ``text`` formats values; ``answer`` renders pages and records and builds the
``CallToolResult``. The contract they keep is docs/response-contract.md.
"""
