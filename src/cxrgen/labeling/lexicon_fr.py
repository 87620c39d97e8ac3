"""French vocabulary of the rule labeler (CASIA-CXR style reports).

Sources: the French radiology vocabulary of the CASIA-CXR reports (Metmer & Yang 2024: findings
such as "augmentation de l'index cardio-thoracique", "épanchement pleural de faible abondance",
"opacités alvéolaires d'origine infectieuse", "processus lésionnel"), the French edition of the
Fleischner glossary terms (SFR / Société d'imagerie thoracique lexique), and the negation and
hedging forms of French medical writing ("absence de", "pas de", "sans", "aucun", "ni";
"possible", "suspicion de", "évoquant", "à confronter", "à éliminer"). Apostrophes are matched
both straight (') and typographic (’) because reports use both; accents are optional where
reports drop them ("Elargissement", "epanchement").
"""

from __future__ import annotations

from cxrgen.labeling.lexicon import Lexicon

_A = "['’]"  # either apostrophe
_E = "[eéèê]"

MENTIONS = {
    "atelectasis": (r"at[eé]lectasi\w*", r"collapsus(?: \w+)?(?: du poumon| pulmonaire)?", r"trouble ventilatoire"),
    "cardiomegaly": (
        r"cardiom[eé]galie\w*",
        rf"augmentation (?:de l{_A}|du |de |des? )?(?:index|indice|ict)(?: cardio[- ]?thoracique)?",
        r"(?:index|indice) cardio[- ]?thoracique (?:augment[eé]\w*|[eé]lev[eé]\w*)",
        r"ict (?:augment[eé]\w*|[eé]lev[eé]\w*)", r"c(?:œ|oe)ur (?:augment[eé] de (?:volume|taille)|[eé]largi|en sabot|globuleux)",
        r"silhouette cardiaque (?:augment[eé]e|[eé]largie|élargie)",
    ),
    "effusion": (
        rf"{_E}panchement ?pleural\w*", rf"{_E}panchement\w*", r"pleur[eé]sie\w*", r"hydrothorax",
        r"hydropneumothorax", r"comblement (?:\w+ )?(?:du |des )?culs?[- ]de[- ]sacs?(?: pleura\w*)?(?: costo[- ]?diaphragmatiques?)?",
        r"lame (?:d[e']|d’)?(?:liquide|[eé]panchement)",
    ),
    "infiltrate": (r"infiltrat\w*",),
    "mass": (
        r"masses?", r"processus (?:l[eé]sionnel|tumoral|expansif)\w*", r"tumeurs?", r"tumoral\w*",
        r"opacit[eé]s? (?:grossi[eè]rement )?(?:arrondie|ovalaire)s?", r"l[aâ]cher de ballons?",
        r"(?:de )?forme (?:grossi[eè]rement )?(?:arrondie|ovalaire)",
    ),
    "nodule": (r"nodules?", r"nodulaires?", r"micronodul\w+", r"opacit[eé]s? (?:micro)?nodulaires?"),
    "pneumonia": (
        r"pneumopathie\w*", r"pneumonie\w*", r"bronchopneumopathie\w*", r"pneumonie", r"origine infectieuse",
        r"foyers? (?:de )?(?:pneumopathie|infectieux|pneumonique)", r"infectieu\w+", r"pneumonite", r"pneumonique\w*",
    ),
    "pneumothorax": (r"pneumothorax", r"hydropneumothorax", r"d[eé]collement pleural"),
    # an alveolar opacity is a consolidation (Fleischner glossary: alveolar air replaced)
    "consolidation": (r"opacit[eé]s? alv[eé]olaires?", r"atteinte (?:pulmonaire )?alv[eé]ol\w*", r"condensation\w*", r"foyers? de condensation", r"l[eé]sion condensante\w*", r"condensante"),
    "edema": (r"(?:œ|oe)d[eè]me\w*", r"oap", r"surcharge (?:vasculaire|hydrique) pulmonaire"),
    "emphysema": (r"emphys[eè]me\w*",),
    "fibrosis": (r"fibrose\w*", r"fibreu\w+", r"fibrotique\w*"),
    "pleural_thickening": (r"[eé]paississement\w* pleura\w*", r"pachypleurite\w*", r"plaques? pleurale\w*"),
    "hernia": (r"hernie\w*",),
    "enlarged_cardiomediastinum": (r"[eé]largissement\w* m[eé]diastin\w*", r"m[eé]diastin\w* [eé]largi\w*"),
    "lesion": (r"l[eé]sions?", r"l[eé]sionnel\w*", r"cavit[eé]s? pulmonaire\w*", r"kystes?(?: hydatiques?)?"),
    "opacity": (r"opacit[eé]s?", r"infiltrat\w*", r"verre d[eé]poli", r"atteinte (?:pulmonaire )?alv[eé]ol\w*"),
    "pleural_other": (r"scissurite\w*", r"calcifications? pleural\w*"),
    "fracture": (r"fractures?", r"cal osseux", r"fractur[eé]\w*"),
    "device": (
        r"drains?", r"draine", r"sondes?", r"cath[eé]ters?", r"pac", r"chambre implantable", r"pace[- ]?maker",
        r"stimulateur\w*(?: cardiaque)?", r"canule\w*", r"mat[eé]riel d[e'’] ?ost[eé]osynth[eè]se", r"stents?",
    ),
}

NORMAL_STATEMENTS = {
    "cardiomegaly": (
        r"silhouette cardiaque (?:d[e'’] ?aspect )?norm\w*", r"(?:index|indice) cardio[- ]?thoracique normal\w*",
        r"c(?:œ|oe)ur (?:de taille |d[e'’] ?aspect )?normal\w*",
    ),
}

OTHER_ABNORMAL = (
    # "effet de masse" is mass effect, not a mass; subcutaneous emphysema is not lung emphysema
    r"effet de masse", r"emphys[eè]me sous[- ]cutan[eé]\w*", r"emphys[eè]me disséquant", r"emphys[eè]me diss[eé]quant",
    r"surcharge hilaire", r"d[eé]bord du bouton aortique", r"aorte d[eé]roul[eé]e", r"scoliose\w*",
    r"calcification\w*", r"granulom\w*", r"surélévation", r"sur[eé]l[eé]vation", r"trach[eé]e d[eé]vi[eé]e",
    r"a[eé]rocolie", r"bronchectasie\w*", r"distension", r"syndrome (?:interstitiel|bronchique|alv[eé]olaire)",
    r"cardiom[eé]galie", r"adénopathie\w*", r"ad[eé]nopathie\w*", r"lyse costale", r"cal vicieux",
)

NEG_PRE = (
    rf"absence (?:d{_A} ?|de |des? )", rf"pas (?:d{_A} ?|de |des? )", r"sans", r"aucune?", r"ni", r"non",
    rf"ni (?:d{_A} ?|de )", r"disparition (?:d{_A} ?|de |du |des? )", r"r[eé]gression compl[eè]te (?:d{_A} ?|de |du |des? )",
    r"n[e'’] ?(?:a|ont|est|sont) pas (?:de |d[e'’] ?)?", r"exclu\w*", r"[eé]limin[eé]\w*", r"ablation (?:d{_A} ?|de |du |des? )",
    rf"absence {_E}vidente (?:d{_A} ?|de )", r"pas d[e'’] ?argument pour", r"retrait (?:du |de la |des? )",
    rf"pas (?:d{_A} ?|de )(?:image|signe)s? (?:d{_A} ?|de )", r"résolution (?:du |de la |des? )",
)
NEG_POST = (
    r"n[e'’] ?(?:est|sont) pas (?:visible|vu|objectiv|individualis|retrouv|mis en [eé]vidence)\w*",
    r"non (?:visible|vu|objectiv|retrouv|individualis)\w*", r"(?:a|ont) disparu", r"absente?s?",
    r"r[eé]solu\w*", r"exclu\w*", r"[eé]limin[eé]\w*",
)
UNC_PRE = (
    r"possibles?", r"possiblement", r"suspicion (?:d[e'’] ?|de )",
    r"suspect\w*", r"[eé]voquant", r"[eé]vocat(?:eur|rice)s? (?:d[e'’] ?|de )", r"pouvant (?:correspondre|[eê]tre|traduire|[eé]voquer)\w*(?: (?:à|a|en rapport avec|un|une|des|d[e'’] ?))?",
    r"compatible\w* avec", r"en faveur (?:d[e'’] ?|de |du |des )", r"doute (?:sur )?", r"douteu\w+", r"[àa] [eé]liminer",
    r"ne pas m[eé]conna[iî]tre", r"sans pouvoir (?:exclure|[eé]liminer)", r"faisant (?:discuter|suspecter|[eé]voquer)",
    r"[àa] discuter", r"discut\w+", r"hypoth[eè]se (?:d[e'’] ?|de )", r"aspect (?:[eé]vocateur|suspect)",
    r"\?", r"peut[- ][eê]tre", r"pr[eé]sum\w+", r"non exclu\w*", r"ne peut [eê]tre (?:exclu|[eé]limin[eé])\w*",
)
# a differential of named alternatives, "atélectasie versus foyer" (lexicon.py, labelsets.py)
ALTERNATIVES = (r"versus", r"vs")
UNC_POST = (
    r"[àa] confronter\w*", r"[àa] confirmer", r"[àa] v[eé]rifier", r"[àa] (?:re)?contr[oô]ler", r"[àa] surveiller",
    r"possible", r"\?", r"non exclu\w*", r"ne peut [eê]tre (?:exclu|[eé]limin[eé])\w*", r"[àa] [eé]liminer",
)
PSEUDO = (
    r"pas de (?:modification|changement|variation|majoration|aggravation|r[eé]gression) (?:d[e'’] ?|de |du |des? )?",
    r"sans (?:modification|changement|variation) (?:d[e'’] ?|de |du |des? )?", r"non seulement",
    r"r[eé]gression (?:partielle )?(?:d[e'’] ?|de |du |des? )", r"non (?:modifi|chang)\w*",
)
# high-likelihood hedges assert the finding, as in English (Panicek & Hricak, AJR 2016)
POS_PRE = (r"probables?", r"probablement", r"tr[eè]s probable\w*", r"non sans", r"pas sans", r"pas d[e'’] ?absence (?:d[e'’] ?|de )", r"non absent\w*")
TERMINATORS = (
    r"mais", r"cependant", r"toutefois", r"par contre", r"en revanche", r"hormis", r"sauf", r"il s[e'’] ?y associe",
    r"associ[eé]\w*", r"avec", r"pr[eé]sence (?:d[e'’] ?|de )", r"qui", r"en rapport avec",
)

ANATOMY = {
    "poumon": (r"poumons?", r"pulmonaires?", r"h[eé]michamps? pulmonaires?", r"champs? pulmonaires?", r"parenchym\w*", r"bases?", r"apex", r"sommets?", r"apical\w*", r"basal\w*"),
    "lobe": (r"lobes? (?:sup[eé]rieur|moyen|inf[eé]rieur)s?", r"lingula\w*", r"tiers (?:sup[eé]rieur|moyen|inf[eé]rieur)\w*"),
    "coeur": (r"c(?:œ|oe)ur", r"cardiaques?", r"silhouette cardiaque"),
    "médiastin": (r"m[eé]diastin\w*", r"hil(?:e|aire)s?", r"aort\w+", r"trach[eé]e"),
    "plèvre": (r"pl[eè]vres?", r"pleura\w*", r"culs?[- ]de[- ]sacs?", r"scissures?"),
    "diaphragme": (r"coupoles? diaphragmatiques?", r"diaphragm\w*"),
    "os": (r"gril costal", r"c[oô]tes?", r"costa\w*", r"rachis", r"clavicules?", r"vert[eè]br\w*", r"osseu\w+"),
    "parties molles": (r"parties molles",),
}

MODIFIERS = (
    r"faible abondance", r"moyenne abondance", r"grande abondance", r"discr[eè]te?s?", r"minime\w*", r"important\w*",
    r"volumineu\w+", r"bilat[eé]ra\w*", r"droite?s?", r"gauches?", r"diffus\w*", r"multiples?", r"stable\w*",
    r"s[eé]v[eè]re\w*", r"mod[eé]r[eé]e?s?", r"l[eé]g[eè]re?s?",
)

LEXICON_FR = Lexicon(
    lang="fr",
    mentions=MENTIONS,
    normal_statements=NORMAL_STATEMENTS,
    other_abnormal=OTHER_ABNORMAL,
    neg_pre=NEG_PRE,
    neg_post=NEG_POST,
    unc_pre=UNC_PRE,
    unc_post=UNC_POST,
    pseudo=PSEUDO,
    pos_pre=POS_PRE,
    terminators=TERMINATORS,
    alternatives=ALTERNATIVES,
    # CASIA-CXR separates sentences with "/"; a slash between digits is a date
    sentence_end=r"[;!\n]|[./](?<!\d[./])(?!\d)",
    anatomy=ANATOMY,
    modifiers=MODIFIERS,
    source="CASIA-CXR report vocabulary, SFR/SIT thoracic lexicon, French negation and hedging forms",
)
