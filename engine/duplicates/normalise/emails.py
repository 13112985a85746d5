"""Email addresses split into a person part and an organisation part.

The local part identifies a person; the domain identifies an organisation only when it is not a
free-mail provider. Two strangers who both use gmail.com share nothing, so free-mail domains are
never evidence (not in scoring, not in blocking).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: Consumer mailbox providers, by their registered domains. Lower case.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de",
    "yahoo.ca", "yahoo.com.au", "ymail.com", "rocketmail.com", "outlook.com", "hotmail.com",
    "hotmail.co.uk", "hotmail.fr", "hotmail.de", "live.com", "live.co.uk", "msn.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
    "gmx.com", "gmx.de", "gmx.net", "gmx.at", "web.de", "t-online.de", "freenet.de",
    "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com",
    "126.com", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "btinternet.com",
    "sky.com", "virginmedia.com", "comcast.net", "verizon.net", "att.net", "sbcglobal.net",
    "bigpond.com", "optusnet.com.au", "shaw.ca", "rogers.com", "sympatico.ca", "fastmail.com",
    "hey.com", "tutanota.com", "libero.it", "naver.com", "rediffmail.com",
})

# Providers that ignore dots in the local part, so "j.smith" and "jsmith" are one mailbox.
_DOTLESS = frozenset({"gmail.com", "googlemail.com"})


@dataclass(frozen=True, slots=True)
class EmailParts:
    local: str  # lower case, "+tag" removed, dots removed where the provider ignores them
    domain: str  # lower case
    free: bool  # the domain is a free-mail provider: no evidence of a shared organisation

    @property
    def digits(self) -> str:
        """The local part's digits: "john.smith2" is the second John Smith, not a typo."""
        return "".join(ch for ch in self.local if ch.isdigit())

    @property
    def address(self) -> str:
        return f"{self.local}@{self.domain}" if self.local else ""

    @property
    def organisation_domain(self) -> str:
        """The domain when it says something about the employer, else ``""``."""
        return "" if self.free else self.domain


_EMPTY = EmailParts("", "", False)


@lru_cache(maxsize=1 << 18)
def split_email(raw: str) -> EmailParts:
    """``"Maria.Chen+crm@Acme-Corp.com"`` → local ``maria.chen``, domain ``acme-corp.com``."""
    if not raw:
        return _EMPTY
    text = raw.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return _EMPTY
    local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local = local.replace(".", "")
    return EmailParts(local, domain.strip("."), domain in FREE_MAIL_DOMAINS)
