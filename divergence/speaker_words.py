"""Word lists for reading speakers (divergence.attribution): verbs, heads, function words.

Data, not logic: each set says what one kind of word does when a speaker is read. All are
lower case; membership is tested on a token's lower-cased text.
"""

from __future__ import annotations

REPORTING_VERBS = (
    "said", "says", "say", "reported", "reports", "stated", "states", "cautioned", "cautions",
    "declared", "declares", "warned", "warns", "highlighted", "highlights", "signalled",
    "signaled", "signals", "announced", "announces", "claimed", "claims", "told", "added",
    "noted", "notes", "insisted", "insists", "denied", "denies", "confirmed", "confirms",
    "stressed", "stresses", "argued", "argues", "suggested", "suggests", "acknowledged",
    "maintained", "asserted", "alleged", "explained", "emphasized", "emphasised", "indicated",
    "revealed", "estimated", "wrote", "tweeted", "disputed", "rejected", "accused", "predicted",
    "urged", "contended", "countered", "admitted", "affirmed", "observed", "pointed out",
    "issued a warning", "issued a statement", "dismissed", "disclosed", "conceded", "believes",
)  # fmt: skip
#: The verbs read for a speaker: the reporting verbs, and more forms that name one ("Some
#: analysts argue", "vowed the mayor") but are left out of check-worthiness scoring.
SPEAKER_VERBS = (
    *REPORTING_VERBS, "replied", "responded", "reiterated", "testified", "recalled",
    "commented", "vowed", "pledged", "argue", "warn", "insist", "deny", "confirm", "claim",
)  # fmt: skip
#: Verbs that may come before their subject: '"We will win," said the minister.'
INVERTIBLE = frozenset({
    "said", "says", "added", "wrote", "noted", "explained", "warned", "insisted", "replied",
    "stressed", "continued", "vowed",
})  # fmt: skip

PERSON_HEADS = frozenset({
    "official", "spokesman", "spokeswoman", "spokesperson", "minister", "president", "premier",
    "chancellor", "secretary", "ambassador", "envoy", "diplomat", "negotiator", "mediator",
    "adviser", "advisor", "aide", "source", "witness", "resident", "analyst", "expert", "doctor",
    "medic", "nurse", "surgeon", "physician", "lawyer", "attorney", "prosecutor", "judge",
    "coroner", "sheriff", "officer", "detective", "inspector", "commander", "general", "colonel",
    "captain", "sergeant", "chief", "head", "director", "manager", "executive", "chairman",
    "chairwoman", "chair", "ceo", "founder", "owner", "leader", "mayor", "governor", "senator",
    "congressman", "congresswoman", "lawmaker", "legislator", "politician", "candidate",
    "representative", "member", "journalist", "reporter", "correspondent", "editor",
    "columnist", "writer", "author", "researcher", "scientist", "professor", "economist",
    "consultant", "activist", "campaigner", "survivor", "victim", "relative", "mother",
    "father", "sister", "brother", "son", "daughter", "wife", "husband", "widow", "friend",
    "girlfriend", "boyfriend", "neighbour", "neighbor", "colleague", "rep", "publicist", "agent",
    "employee", "worker", "teacher", "student", "pope", "king", "queen", "prince", "princess",
    "cleric", "imam", "priest", "bishop", "nun", "rabbi", "monk", "man", "woman", "person",
    "boy", "girl", "fighter", "soldier", "militant", "rebel", "pilot", "passenger", "driver",
    "farmer", "host", "co-host", "anchor", "presenter", "producer", "actor", "actress", "singer",
    "star", "player", "coach", "user", "blogger", "insider", "observer", "critic", "supporter",
    "opponent", "counterpart", "deputy", "assistant", "staffer", "investigator", "veteran",
    "warden", "guard", "paramedic", "firefighter", "hostage", "prisoner", "detainee", "suspect",
    "defendant", "plaintiff", "whistleblower", "volunteer", "organiser", "organizer", "monitor",
    "ally",
})  # fmt: skip
GROUP_HEADS = frozenset({
    "officials", "sources", "spokesmen", "ministers", "diplomats", "negotiators", "mediators",
    "analysts", "experts", "witnesses", "residents", "medics", "doctors", "nurses", "lawyers",
    "prosecutors", "investigators", "police", "authorities", "media", "officers", "troops",
    "soldiers", "forces", "fighters", "militants", "rebels", "activists", "protesters",
    "demonstrators", "critics", "supporters", "opponents", "observers", "leaders", "lawmakers",
    "legislators", "senators", "members", "scientists", "researchers", "economists",
    "journalists", "reporters", "correspondents", "locals", "villagers", "neighbours",
    "neighbors", "relatives", "family", "families", "friends", "parents", "students",
    "teachers", "workers", "employees", "staff", "aides", "advisers", "advisors", "insiders",
    "organisers", "organizers", "monitors", "rescuers", "paramedics", "firefighters",
    "survivors", "victims", "passengers", "insurgents", "militias", "outlets", "newspapers",
    "agencies", "groups", "governments", "allies", "partners", "sides", "parties", "users",
    "clerics", "elders", "hostages", "prisoners", "detainees", "migrants",
    "refugees", "farmers", "voters", "unions", "coaches", "players", "fans", "team", "crew",
})  # fmt: skip
ORG_HEADS = frozenset({
    "company", "firm", "group", "agency", "ministry", "department", "government",
    "administration", "office", "council", "committee", "commission", "court", "party", "union",
    "army", "military", "navy", "embassy", "board", "bank", "organisation", "organization",
    "institute", "university", "hospital", "observatory", "network", "channel", "newspaper",
    "paper", "daily", "magazine", "website", "site", "outlet", "broadcaster", "station",
    "tabloid", "publication", "journal", "blog", "service", "regime", "cabinet", "parliament",
    "senate", "congress", "campaign", "club", "league", "federation", "association",
    "foundation", "charity", "coalition", "alliance", "movement", "militia", "authority",
    "watchdog", "regulator", "presidency", "palace", "delegation", "mission", "consulate",
    "command", "unit", "brigade", "side", "bureau", "directorate", "secretariat", "tribunal",
    "inquiry", "panel", "airline", "manufacturer", "maker", "retailer", "insurer", "studio",
    "label", "school", "prison", "police", "force", "guard", "registry", "television", "tv",
    "assembly",
    "radio",
})  # fmt: skip
#: Lower-case words that may stand before a head: "senior", "local", "health" (ministry).
MODIFIERS = frozenset({
    "senior", "junior", "local", "top", "former", "chief", "deputy", "state", "security",
    "health", "government", "military", "police", "foreign", "interior", "defence", "defense",
    "intelligence", "law", "enforcement", "federal", "city", "county", "national",
    "international", "unnamed", "unidentified", "anonymous", "other", "western", "eastern",
    "northern", "southern", "medical", "rescue", "emergency", "civil", "aid", "human", "rights",
    "opposition", "rebel", "militant", "tribal", "religious", "party", "press", "news", "wire",
    "agency", "company", "industry", "union", "prison", "palace", "embassy", "court", "campaign",
    "tech", "financial", "market", "energy", "oil", "bank", "trade", "education", "justice",
    "transport", "science", "space", "weather", "research", "armed", "retired", "elected",
    "exiled", "jailed", "detained", "leading", "ruling", "governing", "visiting", "outgoing",
    "incoming", "acting", "fellow", "monitoring", "prime", "vice", "assistant", "associate", "general",
    "special", "independent", "private", "public", "hospital", "school", "university", "army",
    "navy", "air", "coast", "border", "fire", "election", "peace", "truce", "ceasefire",
    "family", "de", "al", "el", "bin", "ibn", "abu", "van", "von", "der", "den", "la", "le",
    "du", "da", "di", "dos", "das", "ben", "mr", "mrs", "ms", "dr", "new", "current", "longtime",
    "veteran", "key", "main", "high", "fashion", "designer",
    "internet", "condom", "audio", "forensic", "golf", "sports", "football", "film", "music",
    "television", "tv", "radio", "online", "social", "media", "british", "american",
})  # fmt: skip
#: Ending in an agent suffix (-er, -ist, -ian, -or) but naming no one.
NOT_AGENT_NOUNS = frozenset({
    "number", "matter", "letter", "order", "border", "chapter", "quarter", "shelter", "center",
    "centre", "winter", "summer", "corner", "danger", "dinner", "weather", "water", "answer",
    "offer", "power", "tower", "river", "silver", "finger", "character", "register", "cancer",
    "computer", "monster", "poster", "sticker", "trailer", "cluster", "disaster", "murder",
    "manner", "banner", "powder", "ladder", "filter", "hammer", "consider", "deliver",
    "discover", "remember", "encounter", "cover", "recover", "trigger", "render", "wonder",
    "bother", "hinder", "gather", "suffer", "enter", "differ", "alter", "error", "terror",
    "horror", "factor", "sector", "vector", "motor", "floor", "interior", "exterior", "superior",
    "junior", "senior", "major", "minor", "behavior", "behaviour", "honor", "honour", "labor",
    "labour", "favor", "favour", "rumor", "rumour", "color", "colour", "tumor", "humor",
    "harbor", "corridor", "mirror", "insist", "resist", "assist", "persist", "consist", "exist",
    "median", "whether", "another", "together", "rather", "either", "neither", "however",
    "further", "former", "latter", "earlier", "later", "other", "paper", "whatever", "member",
    "chamber", "november", "october", "september", "december", "frontier", "barrier",
    "counter", "master", "flavor", "flavour", "tractor", "laser", "partner",
})  # fmt: skip
#: Words whose presence marks a verb form as a noun: "media reports", "his claims".
NOUN_CUES = frozenset({
    "media", "news", "press", "recent", "earlier", "initial", "unconfirmed", "conflicting",
    "local", "such", "official", "report", "new", "false", "these", "those", "the",
})  # fmt: skip
#: Heads naming no one: "reports suggested" is not an attribution.
UNSPECIFIC = frozenset({
    "research", "evidence", "records", "footage", "images", "photos", "pictures", "video",
    "videos", "polls", "results", "findings", "rumours", "rumors", "allegations", "speculation",
    "news", "word", "details", "terms", "signs", "tests", "things", "nothing", "something",
    "everything", "everyone", "someone", "somebody", "anyone", "nobody", "people", "others",
    "some", "many", "one", "few", "most", "all", "both", "there", "here", "media reports",
    "experience", "history", "time", "life", "story", "stories", "rain", "prices", "talks",
})  # fmt: skip
#: Documents rather than speakers, unless "from"/"in"/"by" names who wrote them.
REPORT_NOUNS = frozenset({
    "report", "reports", "statement", "statements", "study", "studies", "survey", "surveys",
    "article", "investigation", "analysis", "poll", "post", "tweet", "letter", "release",
    "documents", "document", "data", "figures", "estimate", "estimates", "account", "reporting",
    "broadcast", "bulletin", "dispatch", "claims", "claim", "memo", "filing", "transcript",
})  # fmt: skip
#: "in a statement", "in an interview": skipped between a subject and its verb.
MEDIA_NOUNS = frozenset({
    "statement", "interview", "tweet", "post", "email", "letter", "release", "video", "message",
    "speech", "broadcast", "briefing", "report", "press", "conference",
})  # fmt: skip

PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "him", "them", "us", "me"})
#: Pronouns resolved to an earlier speaker; "we", "I" and "you" belong to quotes.
RESOLVABLE_PRONOUNS = frozenset({"he", "she", "they", "it"})
DETERMINERS = frozenset({
    "the", "a", "an", "some", "several", "many", "few", "most",
    "all", "both", "another", "each", "every", "any", "no", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten", "dozens", "his", "her", "their", "its",
    "our", "my", "your", "multiple", "various", "numerous",
})  # fmt: skip
NEGATIVE_DETERMINERS = frozenset({"no", "none", "neither", "nor", "nobody"})
#: Prepositions that may join a speaker's parts: "A spokesman for the ministry".
CONNECTORS = frozenset({"of", "for", "from", "at", "in", "with"})
#: Where a clause (and so a subject) starts.
BOUNDARY_WORDS = frozenset({
    "but", "or", "nor", "while", "whereas", "although", "though", "because", "since", "if",
    "unless", "whether", "when", "whenever", "where", "after", "before", "as", "than", "so",
    "yet", "then", "until", "that", "which", "who", "whom", "whose", "what", "once", "however",
    "meanwhile", "moreover", "instead", "also", "still", "separately", "despite", "amid",
    "this", "these", "those",
})  # fmt: skip
AUXILIARIES = frozenset({
    "had", "has", "have", "did", "does", "do", "also", "then", "again", "once", "already",
    "first", "further", "now", "today", "yesterday", "tonight", "himself", "herself",
    "themselves", "itself", "both", "all", "each", "initially", "later", "earlier", "just",
    "even", "still", "too",
})  # fmt: skip
BE = frozenset({"was", "were", "is", "are", "be", "been", "being", "am", "'s", "’s"})
NEGATORS = frozenset({"not", "never", "yet", "neither", "nor", "no", "hardly", "barely"})
MODALS = frozenset({
    "will", "would", "could", "may", "might", "should", "must", "can", "cannot", "shall",
    "wo", "ca",
})  # fmt: skip
#: "declined to comment", "refused to confirm": the verb did not happen.
NEGATIVE_GOVERNORS = frozenset({
    "declined", "refused", "failed", "yet", "unable", "decline", "refuse", "refuses",
    "declines", "reluctant", "hesitant", "unwilling",
})  # fmt: skip
#: "went on to say", "was quick to deny": the verb did happen, by the same subject.
POSITIVE_GOVERNORS = frozenset(
    {"on", "quick", "continued", "continues", "rushed", "moved", "hastened"}
)
#: Words after a comma that open an aside: "Netanyahu, speaking in Jerusalem, said".
APPOSITION_CUES = frozenset({
    "who", "whose", "which", "a", "an", "the", "in", "on", "citing", "also", "himself",
    "herself", "itself", "themselves", "according", "however", "meanwhile", "too", "though",
    "for", "at", "its", "his", "her", "their",
})  # fmt: skip
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "sgt", "gov", "rep", "sen", "col", "lt", "gen", "jr", "sr",
    "prof", "capt", "maj", "cpl", "det", "insp", "supt", "rev", "hon", "pres", "adm", "cmdr",
    "no", "co", "corp", "inc", "ltd", "bros", "mt", "ft", "gens", "reps", "sens", "atty",
})  # fmt: skip
TIME_WORDS = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "morning",
    "afternoon", "evening", "night", "week", "weekend", "month", "year", "today", "yesterday",
    "tonight", "day", "hours", "january", "february", "march", "april", "june", "july",
    "august", "september", "october", "november", "december", "weeks", "months", "days", "ago",
})  # fmt: skip
FUNCTION_WORDS = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does",
    "did", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "to",
    "by", "on", "into", "onto", "over", "under", "about", "against", "between", "through",
    "during", "without", "within", "among", "toward", "towards", "upon", "across", "per",
    "via", "like", "not", "never", "just", "only", "even", "too", "very", "more", "less",
    "here", "there", "now", "again", "ever", "around", "up", "down", "out", "off", "away",
    "back", "near", "behind", "beyond", "above", "below", "along", "inside", "outside",
    "cannot", "whether", "why", "how", "such", "own", "same", "said", "says", "told", "say",
    "reported", "but", "further", "already", "soon", "however", "thus", "therefore",
    "including", "following", "regarding", "concerning", "amid", "despite", "except",
    "besides", "than", "then", "also", "yes", "no", "or", "nor", "if", "else", "later",
    "earlier", "published", "updated", "posted", "initially", "previously",
})  # fmt: skip
#: Prepositions: a noun phrase right after one is its object, never a verb's subject.
PREPOSITIONS = frozenset({
    "by", "to", "on", "into", "onto", "over", "under", "about", "against", "between",
    "through", "during", "without", "within", "among", "toward", "towards", "upon", "across",
    "per", "via", "like", "near", "behind", "beyond", "above", "below", "along", "inside",
    "outside", "despite", "amid", "including", "following", "regarding", "concerning",
})  # fmt: skip
