"""Relevance search over solution articles and catalog items, on SQLite FTS5 or PostgreSQL.

The indexes come from migration 0002: an FTS5 table ``<table>_fts`` kept in step by triggers on
SQLite, a generated ``search_vector`` column on PostgreSQL.

User text never reaches either engine as query syntax. It is cut into words (runs of letters and
digits), so quotes, parentheses, ``AND``/``OR``/``NOT``/``NEAR``, ``*``, ``-`` and ``:`` are just
separators; each word is then quoted (FTS5) or passed through ``plainto_tsquery`` (PostgreSQL) as a
bound parameter. Words are OR-ed so that a partly matching article still ranks, below one that
matches every word; common English words are dropped so "how do I reset my password" ranks like
"reset password"; and the last word also matches as a prefix, for text typed half-way.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, case, false, func, literal_column, select, table
from sqlmodel import Session, column
from sqlmodel.sql.expression import SelectOfScalar

from domain.errors import InvalidField

T = TypeVar("T")

MAX_WORDS = 16
MAX_WORD_LENGTH = 64
MIN_PREFIX_LENGTH = 3
_WORD = re.compile(r"[^\W_]+")

# PostgreSQL's English stop words: dropping them on both backends keeps the rankings alike.
_ENGLISH = """a about above after again against all am an and any are aren as at be because been before
being below between both but by can cannot could couldn did didn do does doesn doing don down
during each few for from further had hasn has have haven having he her here hers herself him
himself his how i if in into is isn it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should shouldn so some such
than that the their theirs them themselves then there these they this those through to too under
until up very was wasn we were weren what when where which while who whom why will with won would
wouldn you your yours yourself yourselves"""
# Words that describe nearly every request rather than what it is about ("printer not working").
_REQUEST_NOISE = """cant help issue issues need please problem problems trouble unable want work worked
working works"""
STOP_WORDS = frozenset(_ENGLISH.split()) | frozenset(_REQUEST_NOISE.split())
# "X won't connect", "Y doesn't print": people describing a failure want the troubleshooting
# article. The words themselves are stop words (PostgreSQL does not even index "not"), so they
# are turned into the intent they carry.
_FAILURE_WORDS = frozenset(
    ("won", "wont", "not", "cant", "cannot", "doesn", "didn", "isn", "fails", "failing", "failed", "broken")
)
TROUBLESHOOTING = "troubleshoot"


@dataclass(frozen=True, slots=True)
class SearchIndex:
    """A searchable table; ``weights`` are the bm25 weights of its FTS5 columns, in their order."""

    table: str
    weights: tuple[float, ...]
    title_column: str


# The FTS5 column order (and PostgreSQL weights A, B, D) are set in the search migration (0004).
ARTICLE_INDEX = SearchIndex("solution_article", (10.0, 4.0, 1.0), "title")  # title, tags, body
CATALOG_INDEX = SearchIndex("catalog_item", (10.0, 4.0, 1.0), "name")  # name, short_description, description


def search_words(search_term: str | None, *, field: str = "search_term") -> list[str]:
    """The words of ``search_term`` worth searching for, lower-cased, in order, without repeats.

    Empty or blank text is an error; text with no letters or digits (say, only emoji) is not, it
    just has no words and so matches nothing.
    """
    if search_term is None or not search_term.strip():
        raise InvalidField(field, "must contain at least one word to search for, e.g. 'reset password'.")
    words: list[str] = []
    for match in _WORD.finditer(search_term.casefold()):
        word = match.group()
        if len(word) <= MAX_WORD_LENGTH and word not in words:
            words.append(word)
    meaningful = [word for word in words if word not in STOP_WORDS and len(word) > 1]
    if meaningful and _FAILURE_WORDS.intersection(words) and TROUBLESHOOTING not in meaningful:
        meaningful.insert(0, TROUBLESHOOTING)  # first: the user's last word keeps its prefix match
    return (meaningful or words)[:MAX_WORDS]


def rank_by_relevance(
    statement: SelectOfScalar[T],
    *,
    session: Session,
    index: SearchIndex,
    id_column: Any,
    words: list[str],
) -> SelectOfScalar[T]:
    """``statement`` narrowed to rows matching any of ``words``, best match first, then by id.

    Rows whose title (or name) holds more of the words come first: templated bodies share many
    words, and a word in half the documents carries almost no weight in bm25. Within those, the
    score is the engine's relevance (bm25 on SQLite, ts_rank_cd on PostgreSQL; both count the
    title or name most) times the number of the words a row matches, so that an article matching
    "outlook password" beats one that mentions "password" often but never "outlook".
    """
    if not words:
        return statement.where(false())
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _rank_fts5(statement, index, id_column, words)
    if dialect == "postgresql":
        return _rank_tsvector(statement, index, id_column, words)
    raise NotImplementedError(f"full-text search is not implemented for {dialect}")


def _is_prefix(words: list[str], position: int) -> bool:
    return position == len(words) - 1 and len(words[position]) >= MIN_PREFIX_LENGTH


def _matched_count(conditions: list[ColumnElement[bool]]) -> ColumnElement[int]:
    return reduce(operator.add, [case((condition, 1), else_=0) for condition in conditions])


def _rank_fts5(
    statement: SelectOfScalar[T], index: SearchIndex, id_column: Any, words: list[str]
) -> SelectOfScalar[T]:
    fts_name = f"{index.table}_fts"
    fts = table(fts_name, column("rowid"))
    # MATCH and bm25() take the FTS table itself (its hidden column of the same name).
    fts_column: ColumnElement[Any] = literal_column(fts_name)
    # A double-quoted FTS5 string is a phrase: nothing inside it is an operator. Words never hold
    # a quote, but double any anyway, as the FTS5 grammar asks.
    phrases = [
        '"' + word.replace('"', '""') + '"' + ("*" if _is_prefix(words, i) else "")
        for i, word in enumerate(words)
    ]

    def matches(expression: str) -> ColumnElement[bool]:
        return fts_column.op("MATCH")(bindparam("fts_query", expression, unique=True))

    matched = _matched_count(
        [id_column.in_(select(fts.c.rowid).where(matches(phrase))) for phrase in phrases]
    )
    # The first FTS5 column is the title (or name): "{title} : phrase" matches only there.
    title = index.title_column
    in_title = _matched_count(
        [id_column.in_(select(fts.c.rowid).where(matches(f"{{{title}}} : {phrase}"))) for phrase in phrases]
    )
    # bm25() is negative, lower is better: ascending order puts the best first.
    score = func.bm25(fts_column, *index.weights) * matched
    return (
        statement.join(fts, fts.c.rowid == id_column)
        .where(matches(" OR ".join(phrases)))
        .order_by(in_title.desc(), score, id_column)
    )


def _rank_tsvector(
    statement: SelectOfScalar[T], index: SearchIndex, id_column: Any, words: list[str]
) -> SelectOfScalar[T]:
    from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR  # only PostgreSQL's workers load it

    vector = literal_column(f"{index.table}.search_vector", type_=TSVECTOR)
    english: ColumnElement[Any] = literal_column("'english'::regconfig")
    queries: list[ColumnElement[Any]] = []
    for i, word in enumerate(words):
        if _is_prefix(words, i):
            # A word is letters and digits only, so it can be quoted as a tsquery lexeme safely.
            prefix: ColumnElement[str] = bindparam("ts_word", f"'{word}':*", unique=True)
            queries.append(func.to_tsquery(english, prefix, type_=TSQUERY))
        else:
            queries.append(
                func.plainto_tsquery(english, bindparam("ts_word", word, unique=True), type_=TSQUERY)
            )
    any_word = reduce(lambda a, b: a.op("||", return_type=TSQUERY)(b), queries)
    matched = _matched_count([vector.op("@@")(query) for query in queries])
    # Weight A is the title (or name): "word:A" matches only there.
    title_queries = [
        func.to_tsquery(
            english,
            bindparam("ts_title", f"'{word}':*A" if _is_prefix(words, i) else f"'{word}':A", unique=True),
            type_=TSQUERY,
        )
        for i, word in enumerate(words)
    ]
    in_title = _matched_count([vector.op("@@")(query) for query in title_queries])
    # A query of nothing but PostgreSQL stop words ("the") is empty and matches nothing, where
    # FTS5 would match the word: harmless, as search_words keeps stop words only when alone.
    # Normalisation 1 divides by 1 + log(length): a long article does not win by length alone.
    score = func.ts_rank_cd(vector, any_word, 1) * matched
    return statement.where(vector.op("@@")(any_word)).order_by(in_title.desc(), score.desc(), id_column)


# The objects migration 0002 creates are dialect-specific and so not in the models: FTS5 tables
# (and their shadow tables) on SQLite, ``search_vector`` columns and their indexes on PostgreSQL.
_SEARCH_OBJECT = re.compile(r"^(\w+_fts(_\w+)?|search_vector|ix_\w+_search_vector)$")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic ``include_name`` hook: keep autogenerate from dropping the search objects."""
    return not (name and type_ in ("table", "column", "index") and _SEARCH_OBJECT.match(name))
