"""The base of the models tools answer with (not tables): plain pydantic.

SQLModel's non-table base gives every model a Python ``__init__`` that pydantic-core calls for each
instance it builds, nested ones included: a page of 30 tickets cost ~3x the CPU to validate through
it. ``Record`` keeps what those models used from SQLModel: validating an ORM object by attribute.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)
