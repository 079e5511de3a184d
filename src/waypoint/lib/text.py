"""Reading OKR text in English, Russian, Chinese and Polish: numbers, activities, topics.

The coach's text rules stand on these few functions. They are deliberately plain: lists
of words and stems a person can read and extend, no model to download.
"""

from __future__ import annotations

import re
import unicodedata

# --- Numbers --------------------------------------------------------------------------------

_DIGITS = r"\d+(?:[ \u00a0\u202f.,]\d{3})*(?:[.,]\d+)?"
_NUMBER_WORDS = {
    "en": r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|halve\w*|doubl\w*|twice|"
    r"tripl\w*",
    "ru": r"один|одна|одно|одного|одной|два|две|двух|три|трёх|трех|четыр\w*|пят\w*|шест\w*|"
    r"сем\w*|восем\w*|девят\w*|десят\w*|двадцат\w*|тридцат\w*|сорок\w*|сто|сотн\w*|"
    r"тысяч\w*|миллион\w*|миллиард\w*|млн|млрд|тыс|вдвое|вдвойне|двукрат\w*|трёхкрат\w*|"
    r"половин\w*|полтор\w*|удво\w*|утро\w*|вдвое|втрое",
    "pl": r"jeden|jedna|jedno|jednego|jednej|jednym|jedną|dwa|dwie|dwóch|dwoma|trzy|trzech|"
    r"trzema|cztery|czterech|pięć|pięciu|sześć|sześciu|siedem|siedmiu|osiem|ośmiu|"
    r"dziewięć|dziewięciu|dziesięć|dziesięciu|dwadzieścia|trzydzieści|sto|stu|tysiąc\w*|"
    r"milion\w*|miliard\w*|mln|mld|tys|dwukrotn\w*|trzykrotn\w*|połow\w*|podwoi\w*|"
    r"potroi\w*",
}
_ZH_NUMERAL = "零一二两三四五六七八九十百千万亿半"
# A Chinese numeral counts as a number only before a measure word or a unit (三次, 两倍, 五个),
# so words such as 一致 ("consistent") or 一起 ("together") do not.
_ZH_MEASURE = "个名次家位份倍成项条篇场天周月年小时分钟元万亿千百%％人单款台件起张辆笔场轮届"
_SCALE = r"k|m|mln|mld|bn|млн|млрд|тыс|tys|万|亿"
_CURRENCY = r"[$€£¥₽]|zł|pln|usd|eur|руб\w*|rub|元|美元|欧元|złotych|zlotych"

_NUMBER_RE = re.compile(
    rf"(?:{_DIGITS})|(?<![\w])(?:{'|'.join(_NUMBER_WORDS.values())})(?![\w])|"
    rf"[{_ZH_NUMERAL}]+(?=[{_ZH_MEASURE}])|百分之[{_ZH_NUMERAL}]+|翻倍|翻番",
    re.IGNORECASE,
)


def numbers(text: str) -> list[str]:
    """Every number written in the text: digits (1 234,5 or 1,234.5), words, Chinese numerals."""
    return [m.group(0) for m in _NUMBER_RE.finditer(text or "")]


def has_number(text: str) -> bool:
    return bool(numbers(text))


def _name_numbers(text: str) -> set[str]:
    """Numbers that are part of a name: TOP-100, Boeing-747, or after a capitalised word that
    does not open the sentence (the Indy 500, Инди 500)."""
    found = {m.group(1) for m in _CODE_NUMBER_RE.finditer(text)}
    found.update(m.group(2) for m in _NAMED_NUMBER_RE.finditer(text))
    return found


_CODE_NUMBER_RE = re.compile(rf"\w-({_DIGITS})")
_NAMED_NUMBER_RE = re.compile(rf"(?<=\w)\s+([A-ZА-ЯЁ]\w+)\s+({_DIGITS})(?!\s*[%$€£¥₽])")
_ZH_AMOUNT_AFTER_RE = re.compile(rf"\s*(?:[%％{_ZH_MEASURE}]|{_CURRENCY}|{_SCALE})", re.IGNORECASE)
_COUNTS_SOMETHING_RE = re.compile(r"\s+[^\W\d_]")


_YEAR = re.compile(r"^(19|20)\d\d$")
_SCALE_WORD = re.compile(
    r"(?i)^(million\w*|billion\w*|thousand\w*|миллион\w*|миллиард\w*|млн|млрд|тыс\w*|"
    r"milion\w*|miliard\w*|mln|mld|tys\w*|万|亿)$"
)


def objective_quantities(text: str) -> list[str]:
    """Numbers that make a title an amount to reach: not a year, an ordinal, a code (M25,
    B2B), a name (Indy 500, “双11”), nor a number word that counts nothing (term one)."""
    text = text or ""
    names = _name_numbers(text)
    out = []
    for m in _NUMBER_RE.finditer(text):
        token, start, end = m.group(0), m.start(), m.end()
        before, after = text[start - 1 : start], text[end : end + 1]
        if token in names or _YEAR.match(token):
            continue
        if token[0].isdigit():
            if (before.isalpha() and before.isascii()) or (after.isalpha() and after.isascii()):
                continue  # a code such as M25, B2B, 3D
            if (
                before
                and "\u4e00" <= before <= "\u9fff"
                and not _ZH_AMOUNT_AFTER_RE.match(text, end)
            ):
                continue  # a number inside a Chinese name: “双11”
        elif not _SCALE_WORD.match(token):
            if before == "第":
                continue  # an ordinal: 第一天
            if token == "一":  # noqa: S105 - a numeral, not a password
                continue  # “一次”, “一个”: once, a — not an amount to reach
            if token[0] in _ZH_NUMERAL:
                pass
            elif not _COUNTS_SOMETHING_RE.match(text, end):
                continue  # a number word that counts nothing: “by the end of term one”
            elif token.lower() in {"twice", "half", "double", "dozen"}:
                continue
        out.append(token)
    return out


def target_quantities(text: str) -> list[str]:
    """Numbers that state an amount to reach (not those inside a proper name)."""
    names = _name_numbers(text or "")
    return [n for n in numbers(text) if n not in names]


# --- Words and topics -----------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_HAN_RE = re.compile("[\u4e00-\u9fff]")
_STOP = set(
    "the a an of to in on for and or by with from at our we us is are be as into per each "
    "all any more less than up down new their its it this that these those every "
    "и в во на по с со из к ко до от для за о об а но или не как что это наш наша наши "
    "нашего год года году всех всем любом любой "
    "i w we na po z ze do od dla za o a ale lub nie jak co to nasz nasza nasze naszych "
    "roku rok każdy każdej każdym".split()
)


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower().replace("ё", "е")


def stems(text: str, length: int = 5) -> set[str]:
    """Content-word stems: the first letters of each word (a crude stemmer that copes with
    Russian and Polish endings), or character pairs for Chinese."""
    out: set[str] = set()
    for word in _WORD_RE.findall(text or ""):
        if _HAN_RE.search(word):
            chars = _HAN_RE.findall(word)
            out.update("".join(chars[i : i + 2]) for i in range(len(chars) - 1))
            continue
        w = _fold(word)
        if len(w) < 3 or w in _STOP:
            continue
        out.add(w[:length])
    return out


# --- Activities -----------------------------------------------------------------------------

_ACTIVITY_STEMS = {
    "en": [
        "launch",
        "write",
        "hold",
        "conduct",
        "create",
        "complete",
        "publish",
        "build",
        "develop",
        "implement",
        "organi",
        "prepare",
        "design",
        "release",
        "set up",
        "setup",
        "introduce",
        "survey",
        "interview",
        "train",
        "run ",
        "ship",
        "roll out",
        "host",
        "produce",
        "hire",
        "send",
        "finish",
        "deploy",
        "migrate",
        "install",
        "document",
    ],
    "ru": [
        "запуст",
        "запуск",
        "провест",
        "провед",
        "провод",
        "напис",
        "написа",
        "созда",
        "создан",
        "заверш",
        "опубликова",
        "публикова",
        "разработ",
        "внедр",
        "организ",
        "подготов",
        "выпуст",
        "выпуск",
        "оформ",
        "опрашива",
        "опрос",
        "обучит",
        "обучи",
        "сделат",
        "сдела",
        "постро",
        "разверн",
        "перевест",
        "наня",
        "нанят",
        "устро",
    ],
    "pl": [
        "uruchom",
        "napisa",
        "napisz",
        "przeprowadz",
        "przeprowadź",
        "stworz",
        "stwórz",
        "utworz",
        "utwórz",
        "ukończ",
        "zakończ",
        "opublikow",
        "publikow",
        "zorganizow",
        "organizow",
        "wdroż",
        "wdroz",
        "przygotow",
        "zbuduj",
        "zbudow",
        "wprowadz",
        "wprowadź",
        "przeszkol",
        "szkol",
        "zaprojektow",
        "projektow",
        "ankietow",
        "wysła",
        "zarządz",
        "wyślij",
        "zatrudni",
        "uruchamia",
    ],
    "zh": [
        "推出",
        "发布",
        "上线",
        "撰写",
        "编写",
        "写",
        "举办",
        "举行",
        "开展",
        "组织",
        "创建",
        "建立",
        "制定",
        "培训",
        "调研",
        "调查",
        "开发",
        "设计",
        "搭建",
        "部署",
        "招聘",
        "上架",
    ],
}
_ZH_LEAD = re.compile(r"^(?:在|于|到)?[^，,。]{0,12}?(?:前|之前|以前|底|末)[，,]?")
_DONE_RE = re.compile(
    r"100\s*%.*?(done|complete|completed|finished|ready|designed|delivered|trained|"
    r"implemented|migrated|installed|onboarded|обучен\w*|przeszkolon\w*|оформлен\w*|"
    r"выполнен\w*|готов\w*|сделан\w*|заверш\w*|ukończon\w*|gotow\w*|wykonan\w*|zrobion\w*|"
    r"zaprojektowan\w*|完成|做完|上线)",
    re.IGNORECASE,
)


# The stems of English, Russian and Polish as two tuples, for one C-level ``startswith`` each:
# a stem ending in a space is a phrase matched on the whole title, the others on its first
# two words.
_PHRASE_STEMS = tuple(
    stem for lang in ("en", "ru", "pl") for stem in _ACTIVITY_STEMS[lang] if stem.endswith(" ")
)
_WORD_STEMS = tuple(
    stem for lang in ("en", "ru", "pl") for stem in _ACTIVITY_STEMS[lang] if not stem.endswith(" ")
)


def _first_words(text: str, n: int = 2) -> list[str]:
    return [_fold(w) for w in _WORD_RE.findall(text)[:n]]


def is_activity(text: str) -> bool:
    """A task or an output ("launch", "write", "100% of X done"), not an outcome."""
    text = (text or "").strip()
    if not text:
        return False
    if _DONE_RE.search(text):
        return True
    if _HAN_RE.search(text, 0, 6):
        head = _ZH_LEAD.sub("", text)
        # “为受训者提供…”, “在东南亚举办…”: a short phrase of whom or where, then the verb.
        head = re.sub(
            r"^(?:为|向|给|在|于)[^，,]{0,8}?(?=提供|举办|举行|开展|组织|推出|发布|上线)", "", head
        )
        if head.startswith("提供") and ("课程" in head or "培训" in head):
            return True
        return any(head.startswith(v) for v in _ACTIVITY_STEMS["zh"])
    return _fold(text).startswith(_PHRASE_STEMS) or " ".join(_first_words(text, 2)).startswith(
        _WORD_STEMS
    )


# --- Functional domains (for defocus) ---------------------------------------------------------
# The back office: work that keeps a company running but rarely serves a customer-facing
# objective. A key result from here under an objective about customers or products pulls
# the objective in another direction (seed 000, "Это же расфокус!").
BACK_OFFICE = {
    "finance": [
        "accounting",
        "month-end",
        "payroll",
        "бухгалтер",
        "закрыти месяц",
        "закрытие месяц",
        "зарплат",
        "księgow",
        "wynagrodz",
        "zamknięcie miesiąca",
        "财务",
        "记账",
        "工资",
        "月结",
    ],
    "facilities": [
        "office",
        "energy",
        "recycling",
        "paper",
        "офис",
        "энерги",
        "электроэнерги",
        "переработк",
        "бумаг",
        "biur",
        "energi",
        "recykling",
        "papier",
        "办公",
        "用纸",
        "能耗",
        "用电",
        "回收",
    ],
    "internal it": [
        "helpdesk",
        "it helpdesk",
        "it system",
        "it-систем",
        "it-поддерж",
        "служб поддержки it",
        "it系统",
        "系统故障",
        "helpdesku",
        "zgłoszeń it",
    ],
    "internal events": [
        "company party",
        "annual party",
        "offsite",
        "корпоратив",
        "年会",
        "团建",
        "imprez firmow",
        "integracj",
    ],
}
GROWTH = [
    "рост клиентов",
    "рост выручк",
    "revenue growth",
    "customer growth",
    "grow revenue",
    "wzrost przychod",
    "wzrost liczby klientów",
    "营收增长",
    "客户增长",
    "year over year",
    "год к году",
    "rok do roku",
    "同比",
]


def _any_of(words: list[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


# One pattern per domain, tried in order: a single search per text instead of a loop over words.
_BACK_OFFICE_RE = [(domain, _any_of(words)) for domain, words in BACK_OFFICE.items()]
_GROWTH_RE = _any_of(GROWTH)


def back_office_domain(text: str) -> str | None:
    lowered = _fold(text)
    for domain, pattern in _BACK_OFFICE_RE:
        if pattern.search(lowered):
            return domain
    return None


def is_growth_kpi(text: str) -> bool:
    return bool(_GROWTH_RE.search(_fold(text)))


# --- Business as usual (seed 003) -------------------------------------------------------------
# "Keep our market position": an objective that only keeps things as they are describes the
# work of an ongoing process, which a KPI with thresholds watches; an OKR is for what must
# change. It opens with a verb of keeping, or says "as before" anywhere, and names no change.
_BAU_LEADS = (
    # en
    "keep ",
    "maintain",
    "sustain",
    "preserve",
    "continue ",
    "remain ",
    "stay ",
    "retain our",
    "retain the",
    "protect our",
    "defend our",
    "hold on to",
    "safeguard",
    # ru
    "сохран",
    "поддерж",
    "продолж",
    "оставаться",
    "остаться",
    "удержать позиц",
    "удержать дол",
    "удержать уров",
    "удерживать позиц",
    "удерживать дол",
    "обеспечить стабильн",
    "обеспечивать стабильн",
    # pl
    "utrzyma",
    "utrzymywa",
    "zachowa",
    "kontynuowa",
    "kontynuacja",
    "podtrzyma",
    "pozosta",
    "chronić nasz",
    "bronić nasz",
    "zapewnić stabiln",
    # zh
    "保持",
    "维持",
    "继续",
    "守住",
    "稳住",
    "延续",
    "巩固",
)
_BAU_ANYWHERE = re.compile(
    r"business as usual|as usual|keep the lights on|status quo|at (?:the )?current levels?|"
    r"at the same level|as (?:good as )?last year|"
    r"на прежнем уровне|на текущем уровне|на том же уровне|в штатном режиме|как обычно|"
    r"без изменений|не допустить снижени|"
    r"na dotychczasowym poziomie|na obecnym poziomie|na tym samym poziomie|bez zmian|jak dotąd|"
    r"维持现状|保持现有|保持稳定|稳定运行|照常|不下降|不低于"
)
# A change named beside the keeping ("keep growing", "продолжать расти", "保持增长") makes it
# an objective about change after all.
_BAU_CHANGE = re.compile(
    r"grow|improv|increas|rais|doubl|tripl|reduc|cut |lower|faster|accelerat|expand|scale|"
    r"better|more |new |win |beat|exceed|break|"
    r"рост|расти|увелич|улучш|повыс|сократ|ускор|удво|расшир|нов[ыоа]|"
    r"wzro|wzrost|zwiększ|popraw|podnie|skróc|zmniejsz|obniż|przyspiesz|podwoi|rozw|rozszerz|"
    r"now[eya]|"
    r"增长|提升|提高|增加|扩大|加快|翻倍|降低|缩短|突破|领先|新"
)


def is_business_as_usual(title: str) -> bool:
    """An objective that keeps things as they are and names no change (seed 003)."""
    folded = _fold((title or "").strip())
    if not folded or _BAU_CHANGE.search(folded):
        return False
    return folded.startswith(_BAU_LEADS) or bool(_BAU_ANYWHERE.search(folded))
