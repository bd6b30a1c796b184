"""Sources a scholar can cite (issue 8, section 4), for seeds/chronology.csv and seeds/glossary.csv.

Every address must be a specific page on a reviewed host: an original publisher (government, UN,
IAEA, KEDO, a newspaper or agency of record, a research institute, a scholarly publisher) or an
archive of one (web.archive.org). Wiki mirrors and clones, encyclopaedia aggregators, blogs,
proxies, development or test servers and content farms are refused; Wikipedia may be a second
source, never the only one. Each address carries a citation (issuer or outlet, and a title or a
date). Chronology notes hold facts, never authoring remarks.

A host that is on neither list fails too, with a message: review it and add it to ACCEPTED (an
original publisher) or to DENIED. Copies of documents on sites that reproduce others
(REPRODUCERS) are accepted only when the citation names the original publisher, not the copy site
("IAEA, ..., as reproduced by GlobalSecurity.org").
"""
import csv
import re
from urllib.parse import urlsplit

import pytest

from threelevels import data

# Hosts (or parent domains) of original publishers and archives, reviewed for this course.
ACCEPTED = {
    # governments, intergovernmental bodies, official archives
    "state.gov", "history.state.gov", "1997-2001.state.gov", "2001-2009.state.gov", "share.america.gov",
    "archives.gov", "whitehouse.gov", "defense.gov", "govinfo.gov", "congress.gov", "webharvest.gov",
    "bush41library.tamu.edu", "dosfan.lib.uic.edu", "webarchive.library.unt.edu", "usfk.mil", "navy.mil",
    "un.org", "ungeneva.org", "reliefweb.int", "iaea.org", "ctbto.org", "kedo.org", "aseanregionalforum.org",
    "cordis.europa.eu", "europa.eu", "mofa.go.kr", "mnd.go.kr", "unikorea.go.kr", "archives.go.kr",
    "pa.go.kr", "mofa.go.jp", "mod.go.jp", "kantei.go.jp", "fmprc.gov.cn", "china-mission.gov.cn",
    "kcna.co.jp", "usip.org", "loc.gov", "nobelprize.org", "ndu.edu",
    # newspapers, broadcasters and agencies of record
    "nytimes.com", "washingtonpost.com", "latimes.com", "chicagotribune.com", "baltimoresun.com",
    "sun-sentinel.com", "washingtontimes.com", "spokesman.com", "deseret.com", "upi.com", "apnews.com",
    "reuters.com", "voanews.com", "npr.org", "cnn.com", "abcnews.go.com", "cbsnews.com", "news.bbc.co.uk",
    "bbc.co.uk", "bbc.com", "theguardian.com", "independent.co.uk", "smh.com.au", "time.com", "stripes.com",
    "rferl.org", "bloomberg.com", "japantimes.co.jp", "koreaherald.com", "koreatimes.co.kr",
    "koreajoongangdaily.joins.com", "joongang.co.kr", "donga.com", "hani.co.kr", "hankyung.com",
    "seoul.co.kr", "yna.co.kr", "kbs.co.kr", "chosun.com", "people.cn", "china.org.cn", "xinhuanet.com",
    "e.vnexpress.net", "asiatimes.com", "nknews.org", "oldtmt.vedomosti.ru", "sme.sk", "al-jazirah.com",
    "aninews.in", "irishtimes.com", "koreatimesus.com", "foreignpolicy.com",
    # research institutes, universities, scholarly publishers and databases
    "armscontrol.org", "nti.org", "cns.miis.edu", "nonproliferation.org", "wilsoncenter.org",
    "digitalarchive.wilsoncenter.org", "nautilus.org", "csis.org", "38north.org", "cfr.org", "brookings.edu",
    "ncnk.org", "isis-online.org", "fas.org", "cartercenter.org", "acronym.org.uk", "asil.org",
    "pax.peaceagreements.org", "worldjpn.net", "ciaonet.org", "igcc.ucsd.edu", "beyondintractability.org",
    "keia.org", "avalon.law.yale.edu", "presidency.ucsb.edu", "doi.org", "tandfonline.com", "jstor.org",
    # archives of any of the above
    "web.archive.org",
}

# Sites that reproduce others' texts, with the name by which a citation would give them as the source:
# acceptable only when the citation names the original (and says "as reproduced by" the copy site).
REPRODUCERS = {"globalsecurity.org": r"globalsecurity", "usinfo.org": r"usinfo", "news.usni.org": r"\busni\b",
               "iri.edu.ar": r"\biri\b|relaciones", "everycrsreport.com": r"every ?crs ?report", "oananews.org": r"\boana\b"}
AS_COPY = re.compile(r"reproduc|as (?:released|published|carried|quoted) (?:by|in)|washington file|text of|\bcopy\b",
                     re.I)

# Refused outright: mirrors and clones, aggregators, blogs, proxies, dev/test servers, content farms.
DENIED = {
    "wikimili.com", "liquisearch.com", "en-academic.com", "infogalactic.com", "zxc.wiki", "wikisum.wiki",
    "hyperlinked.wiki", "owiki.org", "the-uncensored-wiki.com", "sagapedia.com", "piglix.com",
    "a2zcore.com", "justapedia.org", "wiki2.org", "wiki.x.io", "osmarks.net", "dichtienghoa.com",
    "namhansouthkorea.com", "wikiwand.com", "everybodywiki.com", "dbpedia.org",
    "worldhistoryproject.org", "theodora.com", "worldwars.com", "legalclarity.org", "ciris.info",
    "loterre-skosmos.loterre.fr", "vinapk.com", "questia.com", "thefreelibrary.com", "encyclopedia.com",
    "studyres.com", "docslib.org", "fdocuments.us", "fdocuments.in", "vdocuments.site", "vdocuments.us",
    "docplayer.net", "yumpu.com", "scribd.com", "pastebin.com", "huggingface.co", "abovetopsecret.com",
    "forum.effectivealtruism.org", "medium.com", "substack.com", "blogspot.com", "wordpress.com",
    "armscontrolwonk.com", "datastorica.it", "kfhr.org", "theepochtimes.com", "rantburg.com",
    "deno.dev", "pages.dev", "railway.app", "vercel.app", "netlify.app", "herokuapp.com", "googleweblight.com",
    "asiep.free.fr", "wiseinternational.org",
}
# Respectable publishers reached through a host that is not their canonical address.
NONCANONICAL = {"informahealthcare.com": "www.tandfonline.com", "mail.beyondintractability.org":
                "www.beyondintractability.org", "worldcup2014.hani.co.kr": "english.hani.co.kr"}
WIKIPEDIA = "wikipedia.org"
# Government and military hosts are original publishers wherever they are.
GOVERNMENT = re.compile(r"\.(gov|mil|int)$|\.(gov|go|gouv|gob|gc)\.[a-z]{2}$")
# A host is refused when one of its labels says it is a test or development server.
DEV_LABEL = re.compile(r"(^|[.-])(test|dev|staging|sandbox|preview)([.-]|$)")
# Path-level mirrors on otherwise respectable hosts.
DENIED_PATHS = [re.compile(r"princeton\.edu/~[^/]+/tmve/", re.I)]

URL = re.compile(r"https?://[^\s\"<>]+")
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
QUOTED = re.compile(r"[\"“”]|(?<![\w])'[^']+'(?![\w])")


def _rows(name):
    with open(data.seeds_dir() / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _key(row):
    return row.get("id") or row.get("term")


def _trim(url: str) -> str:
    """An address without the punctuation of the sentence around it (a closing bracket stays when
    the address opened one, as in Wikipedia's '..._(United_States–South_Korea)')."""
    while url and (url[-1] in ".,;:'" or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def urls(source: str) -> list[str]:
    """The addresses in a source cell."""
    return [_trim(u) for u in URL.findall(source)]


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _on(h: str, domains) -> bool:
    return any(h == d or h.endswith("." + d) for d in domains)


def verdict(url: str, label: str = "") -> str:
    """'' if the address is acceptable, else the reason it is not."""
    h = host(url)
    if not h:
        return "no host"
    if any(p.search(url) for p in DENIED_PATHS):
        return "a wiki mirror"
    if h in NONCANONICAL:
        return f"not the canonical address: use {NONCANONICAL[h]}"
    if _on(h, DENIED) or h.endswith(".wiki"):
        return "a mirror, aggregator, blog, proxy or content farm"
    if DEV_LABEL.search(h):
        return "a test or development server"
    if re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", h) or re.search(r"\d{5,}", h):
        return "a bare IP address or proxy host"
    path = urlsplit(url).path
    if path in ("", "/") and not urlsplit(url).query:
        return "not a specific page (site root)"
    for site, name in REPRODUCERS.items():
        if _on(h, {site}):
            if not re.search(r"\b[A-Z]", URL.sub("", label)):
                return "a copy site: name the original publisher"
            if re.search(name, label, re.I) and not AS_COPY.search(label):
                return "a copy site cited as the publisher: name the original and say 'as reproduced by ...'"
            return ""
    if _on(h, {WIKIPEDIA}):
        return ""        # allowed as a second source; see test_no_row_relies_on_wikipedia_alone
    if not (_on(h, ACCEPTED) or GOVERNMENT.search(h)):
        return "a host nobody has reviewed: add it to ACCEPTED or DENIED in tests/test_sources.py"
    return ""


def labels(source: str) -> list[tuple[str, str]]:
    """Each address with the citation that goes with it.

    Chronology style: `URL (Issuer, "Title", date)`, the parenthesis right after the address.
    Glossary style: `Title (Outlet, date) — URL`, the text before the address.
    An address inside another citation's parenthesis (`... as reproduced by X, URL)`) takes that parenthesis.
    """
    found = [(m.start(), urls(m.group(0))[0]) for m in URL.finditer(source)]
    masked = list(source)                      # addresses may hold brackets: hide them
    for start, url in found:
        masked[start:start + len(url)] = "u" * len(url)
    masked = "".join(masked)

    def closing(start):                        # index of the bracket that closes masked[start]
        depth = 0
        for i in range(start, len(masked)):
            depth += {"(": 1, ")": -1}.get(masked[i], 0)
            if depth == 0:
                return i
        return len(masked)

    out = []
    for start, url in found:
        depth, opener = 0, None
        for i in range(start - 1, -1, -1):     # the innermost bracket still open at the address
            depth += {")": 1, "(": -1}.get(masked[i], 0)
            if depth < 0:
                opener = i
                break
        after = masked[start + len(url):]
        if opener is not None:
            label = source[opener + 1:closing(opener)]
        elif after.lstrip().startswith("("):
            open_at = start + len(url) + after.index("(")
            label = source[open_at + 1:closing(open_at)]
        else:
            level, cut = 0, 0                  # back to the last top-level "; "
            for i, ch in enumerate(masked[:start]):
                level += {"(": 1, ")": -1}.get(ch, 0)
                if level == 0 and masked.startswith("; ", i):
                    cut = i + 2
            label = source[cut:start]
        out.append((url, label))
    return out


def citation_problem(label: str) -> str:
    """'' if the citation names an issuer or outlet and a title or a date, else what is missing."""
    text = URL.sub("", label)
    if not re.search(r"\b[A-Z][A-Za-z&.'-]+", text):
        return "names no issuer or outlet"
    titled = QUOTED.search(text) or re.search(r"\S.*\([^)]*[A-Z][^)]*\)", text)
    if not (YEAR.search(text) or titled):
        return "gives neither a title nor a date"
    return ""


# Authoring remarks: words about the course, its readers or its making, not about the events.
REMARKS = [
    (r"teaching point", "a teaching remark"), (r"\bthe brief\b|\bbrief's\b", "a reference to the brief"),
    (r"\buseful\b", "a teaching remark ('useful')"), (r"\blessons?\b", "a reference to lessons"),
    (r"\blearners?\b|\bstudents?\b|\bteachers?\b|\binstructors?\b|\breaders?\b", "a remark to readers"),
    (r"\b(?:this|our|the) course\b(?! of)", "a reference to the course"),
    (r"\bwe\b|\bour\b|\bby me\b|\bmyself\b", "first person"), (r"(?-i:\bI\b)", "first person"),
    (r"is therefore not supported|\bdo not (?:use|confuse)\b|\bcaution\b|\bnote that\b|\bif you mean\b|\bcite as\b",
     "advice to the reader"),
    (r"\bshould (?:be )?(?:quote|present|use|cite|read|treat)\w*|\btreat (?:it|this|them) as\b",
     "advice to the reader"),
    (r"\bmirror\b|\bblog\b|wikipedia|\bretrieved\b|\bnot asserted\b", "a remark about our research"),
    (r"\b(?:this|the|a) row\b|\brow's\b|\bno separate row\b|\brender\b|\bend_date\b|\bcolumn\b",
     "a remark about the data file"),
]


def remarks(note: str) -> list[str]:
    """The authoring remarks in a note (quoted words do not count)."""
    text = re.sub(r"(?<![\w])'[^']*'(?![\w])|\"[^\"]*\"|“[^”]*”", " ", note)
    return [f"{why}: {m.group(0)!r}" for pattern, why in REMARKS
            for m in [re.search(pattern, text, re.I)] if m]


FILES = ["chronology.csv", "glossary.csv"]


@pytest.mark.parametrize("name", FILES)
def test_every_address_is_a_specific_page_on_an_acceptable_host(name):
    """Is every source address an original publisher's (or an archive's) page, never a mirror or a blog?"""
    bad = [f"{_key(r)}: {url} is {why}" for r in _rows(name) for url, label in labels(r["source"])
           for why in [verdict(url, label)] if why]
    assert not bad, f"seeds/{name}: {len(bad)} unacceptable address(es):\n" + "\n".join(bad)


@pytest.mark.parametrize("name", FILES)
def test_no_row_relies_on_wikipedia_alone(name):
    """Does every row cite at least one acceptable source besides Wikipedia?"""
    bad = [_key(r) for r in _rows(name)
           if not any(not verdict(u, lab) and not _on(host(u), {WIKIPEDIA}) for u, lab in labels(r["source"]))]
    assert not bad, f"seeds/{name}: rows with no acceptable source besides Wikipedia: {bad}"


@pytest.mark.parametrize("name", FILES)
def test_every_address_comes_with_a_citation(name):
    """Does each address name its issuer or outlet, and a title or a date?"""
    bad = []
    for r in _rows(name):
        found = labels(r["source"])
        if not found:
            bad.append(f"{_key(r)}: no address at all")
        for url, label in found:
            if _on(host(url), {WIKIPEDIA}):
                continue
            problem = citation_problem(label)
            if problem:
                bad.append(f"{_key(r)}: the citation of {url} {problem} ({label!r})")
    assert not bad, f"seeds/{name}: {len(bad)} address(es) without a citation:\n" + "\n".join(bad)


def test_chronology_notes_and_titles_hold_facts_not_authoring_remarks():
    """Do chronology notes and titles state facts only, never remarks about teaching or research?"""
    bad = [f"{r['id']} ({field}): {hit}" for r in _rows("chronology.csv") for field in ("title", "note")
           for hit in remarks(r[field])]
    assert not bad, "seeds/chronology.csv: authoring remarks in notes:\n" + "\n".join(bad)


# The checks themselves, on known cases: each must be able to fail.
@pytest.mark.parametrize("url, label, reason", [
    ("https://wikimili.com/en/Korea_and_the_United_Nations", "", "mirror"),
    ("http://www.princeton.edu/~achaney/tmve/wiki100k/docs/Agreed_Framework.html", "", "mirror"),
    ("https://de.zxc.wiki/wiki/Resolution_1874", "", "mirror"),
    ("https://test.pax.peaceagreements.org/agreements/541", "", "test or development"),
    ("https://acnpsearch.tweb-dev.unibo.it/singlejournalindex/11205415", "", "test or development"),
    ("https://mdsite.deno.dev/http://www.nytimes.com/1996/04/08/x.html", "", "proxy"),
    ("http://161.35.110.226/archives/la-xpm-1998-feb-25-mn-22811-story.html", "", "IP address"),
    ("http://hoonting.blogspot.com/2018/04/199219920120.html", "", "blog"),
    ("https://forum.effectivealtruism.org/topics/weapons-of-mass-destruction", "", "content farm"),
    ("https://www.globalsecurity.org/wmd/library/news/dprk/un/gov2742.htm", "GlobalSecurity.org, 'IAEA chronology'",
     "copy site"),
    ("https://www.globalsecurity.org/wmd/library/news/dprk/un/gov2742.htm", "", "copy site"),
    ("https://archive.org/", "", "site root"),
    ("https://informahealthcare.com/doi/ref/10.1080/10163279709464353", "", "canonical"),
    ("https://www.example-unknown-site.com/page", "", "nobody has reviewed"),
])
def test_unacceptable_addresses_are_named_with_the_reason(url, label, reason):
    assert reason in verdict(url, label)


@pytest.mark.parametrize("url, label", [
    ("https://www.globalsecurity.org/wmd/library/news/dprk/un/gov2742.htm",
     "IAEA resolution GOV/2742, 10 June 1994; as reproduced by GlobalSecurity.org"),
    ("https://www.globalsecurity.org/wmd/library/news/dprk/1997/97091903_wpo.html",
     "'European Union joins KEDO' (US Department of State press statement, 19 September 1997) — "),
    ("https://www.oananews.org/node/47980", "Yonhap, Feb 2009, as published by OANA"),
    ("https://history.state.gov/historicaldocuments/frus1952-54v15p2/d723", ""),
    ("http://web.archive.org/web/2009/http:/www.reuters.com/article/x", ""),
    ("https://en.wikipedia.org/wiki/Kim_Dae-jung", ""),
    ("https://www.unikorea.go.kr/eng_unikorea/news/releases/", ""),
    ("https://www.whitehouse.gov/briefings-statements/x/", ""),
])
def test_acceptable_addresses_pass(url, label):
    assert verdict(url, label) == ""


def test_addresses_lose_surrounding_punctuation_but_keep_their_own_brackets():
    assert urls("see https://a.org/x). Then https://en.wikipedia.org/wiki/T_(U_S), and https://b.org/y;") == [
        "https://a.org/x", "https://en.wikipedia.org/wiki/T_(U_S)", "https://b.org/y"]


def test_the_citation_parser_pairs_each_address_with_its_citation():
    src = ('https://a.org/x (Issuer A, "Title A", 1 Jan 1994); https://b.org/y (Issuer B (part), 1995); '
           'Title C (Outlet C, 2003) — https://c.org/z')
    assert [lab for _, lab in labels(src)] == ['Issuer A, "Title A", 1 Jan 1994', "Issuer B (part), 1995",
                                              "Title C (Outlet C, 2003) — "]
    assert citation_problem("Issuer A, 1994") == ""
    assert citation_problem("Chronology of Key Events (International Atomic Energy Agency) — ") == ""
    assert citation_problem("mirror of something") == "names no issuer or outlet"
    assert citation_problem("Balance of Power") == "gives neither a title nor a date"


@pytest.mark.parametrize("note", [
    "A useful teaching point: the incident exposed differences.",
    "The brief's attribution of the May proposal to Han personally is therefore not supported.",
    "Weekdays converted to dates by me.",
    "Teachers should present it as a rocket North Korea called a satellite launch.",
    "Read via a Wikipedia mirror (hyperlinked.wiki).",
    "A row of its own lets lessons render the date.",
    "Do not confuse it with the classified report.",
    "end_date 25 Oct therefore marks her departure.",
])
def test_authoring_remarks_are_found(note):
    assert remarks(note)


@pytest.mark.parametrize("note", [
    "The parties had 'useful and productive discussions' in Geneva.",
    "North Korea's Foreign Ministry expressed 'deep regret' for the incident.",
    "Team Spirit resumed in 1993 after a brief pause; the US neither confirmed nor denied weapon locations.",
    "Pyongyang tested the Nodong; Japan's Diplomatic Bluebook says members shared the view.",
])
def test_facts_are_not_mistaken_for_remarks(note):
    assert not remarks(note)
