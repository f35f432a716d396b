"""The shape of a knowledge-base topic, and the sentences every article shares.

Each topic is one task (reset a password, connect to the VPN…) and yields one article per title:
the titles are different phrasings, platforms or audiences of the same task, so every article's
body is on the topic its title promises. Shared sentences are kept free of topic words
("password", "VPN", "printer"…) so that a search ranks articles by their own subject.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ArticleTopic:
    tags: tuple[str, ...]
    titles: tuple[str, ...]
    intro: tuple[str, ...]  # what this is about and who it is for
    steps: tuple[str, ...]  # in order
    tips: tuple[str, ...]  # "if it does not work"


# Folder name -> (description, topics).
Folders = dict[str, tuple[str, tuple[ArticleTopic, ...]]]


def topic(tags: tuple[str, ...], titles: tuple[str, ...], intro: tuple[str, ...], steps: tuple[str, ...],
          tips: tuple[str, ...]) -> ArticleTopic:  # fmt: skip
    return ArticleTopic(tags, titles, intro, steps, tips)


BEFORE_YOU_START = (
    "Before you start, make sure you are connected to the internet and signed in with your work account.",
    "You will need your work laptop or phone and about ten minutes.",
    "Before you begin, save any open work: some of these steps may close apps or restart your device.",
    "This guide applies to company-managed devices in every office and to remote workers.",
)

CLOSINGS = (
    "Still stuck? Raise a ticket on the self-service portal or call the Service Desk on extension 4357 "
    "(HELP); include a screenshot of any message you see.",
    "If this article did not solve the issue, reply to your ticket or contact the Service Desk through the "
    "portal, chat or extension 4357. We are available 07:00-19:00 UK time on working days.",
    "Need more help? Open a request on the portal and quote the title of this article so the team knows "
    "what you have already tried.",
)

REVIEW_NOTES = (
    "Reviewed by the knowledge team every quarter.",
    "Last reviewed after the spring platform update.",
    "Owned by the team named in the folder; suggest edits through the portal feedback button.",
)
