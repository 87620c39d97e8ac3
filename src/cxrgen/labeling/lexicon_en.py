"""English vocabulary of the rule labeler.

Sources: the finding definitions of ChestX-ray14 (Wang et al. 2017) and CheXpert (Irvin et al.
2019, whose mention phrases are described in its paper), the Fleischner Society glossary of
thoracic imaging terms (Hansell et al., Radiology 2008) for synonyms, NegEx's trigger classes
(Chapman et al. 2001) and NegBio's negation / uncertainty patterns (Peng et al. 2018) for the
scope words. The words are general radiology English, not tuned to one corpus. ``XXXX`` is the
de-identification token of IU X-Ray: it is an ordinary word here, so "no XXXX of effusion"
keeps "no" in scope.
"""

from __future__ import annotations

from cxrgen.labeling.lexicon import Lexicon

_SIDE = r"(?:(?:left|right|bilateral|bibasilar|bibasal|basilar|small|large|moderate|mild|minimal|trace|tiny|layering|loculated|subpulmonic|residual|persistent|chronic|new|increasing|decreasing|xxxx)[ -]+){0,3}"

MENTIONS = {
    # "volume loss" is a sign shared by atelectasis, resection and fibrosis (Fleischner glossary:
    # atelectasis is reduced inflation of lung); on its own it is not atelectasis (other_abnormal)
    "atelectasis": (
        r"atelecta\w*", r"collapse[d]?", r"(?:lobar|lung) collapse",
    ),
    "cardiomegaly": (
        r"cardiomegaly", r"cardiac (?:enlargement|megaly)",
        r"enlarge(?:d|ment of(?: the)?) (?:heart|cardiac silhouette|cardiac shadow|cardiac size)",
        r"enlarged (?:heart|cardiac silhouette|cardiac shadow|cardiac size)",
        r"(?:heart|cardiac silhouette|cardiac shadow|heart size|cardiac size)(?: size)? (?:is|appears|remains|are)?\s*(?:again )?(?:\w+ly )?(?:enlarged|increased|large|prominent)",
        r"(?:mildly|moderately|markedly|severely|slightly)?\s*enlarged (?:heart|cardiac silhouette)",
        r"borderline (?:heart size|cardiac size|cardiomegaly|enlarged heart)",
        # up to four words between ("heart size XXXX mildly enlarged", "is moderate to severely
        # enlarged"), none of them a negation or "normal"
        r"(?:heart|cardiac silhouette|cardiac shadow|heart size|cardiac size)(?: (?!not\b|no\b|normal\b|upper\b)[\w-]+){0,4} (?:enlarged|large|enlargement)",
        r"(?:heart|cardiac) enlargement", r"increase(?:d)? in (?:the )?(?:heart|cardiac) size",
        r"(?:heart|cardiac silhouette) (?:is )?borderline (?:in size|enlarged)",
    ),
    "effusion": (
        r"effusions?", r"pleural fluid", r"hydrothorax", r"fluid in the (?:\w+ )?(?:pleural|fissure)\w*",
    ),
    "infiltrate": (r"infiltrat\w*",),
    "mass": (r"mass(?:es)?", r"mass-?like"),
    # ChestX-ray14's Nodule is the noun (its labels come from the concept "nodule"); the
    # adjective in "nodular opacity / density" is a descriptor and counts as a lung lesion only
    "nodule": (r"nodules?",),
    "pneumonia": (r"pneumonias?", r"pneumonitis", r"bronchopneumonia", r"pneumonic"),
    "pneumothorax": (r"pneumothora(?:x|ces)", r"hydropneumothorax", r"pneumothoraces"),
    "consolidation": (r"consolidat\w*",),
    "edema": (r"o?edema(?:tous)?",),
    "emphysema": (r"emphysema\w*",),
    "fibrosis": (r"fibros[ie]s", r"fibrotic", r"fibrosis"),
    # scarring of the pleura is a pleural abnormality (CheXpert's Pleural Other) but not a
    # measured thickening: ChestX-ray14's Pleural_Thickening takes the thickening only
    "pleural_thickening": (
        r"pleural (?:thickening|plaques?)", r"thickening of the pleura",
        r"pleural[- ]parenchymal thickening", r"apical (?:pleural )?(?:thickening|capping)",
        r"pleural-based (?:thickening|opacity)",
        # the fissures are pleura: fissural thickening is pleural thickening
        r"(?:fissural|fissure|interlobar fissural) thickening", r"thickening (?:of|in|along) the (?:\w+ )?fissures?",
        r"thickened (?:\w+ )?fissures?",
    ),
    "hernia": (r"hernia\w*",),
    # CheXpert-only concepts
    "enlarged_cardiomediastinum": (
        r"(?:widened|widening of the|enlarged|prominent) (?:cardio)?mediastin\w*(?: silhouette| contour)?",
        r"mediastinal (?:widening|enlargement)",
    ),
    "lesion": (r"nodular(?:ity)?", r"nodular (?:opacit\w+|densit\w+)", r"lesions?", r"tumou?rs?", r"neoplasms?", r"carcinoma", r"malignan\w+", r"cavitary lesion", r"cavitation"),
    "opacity": (
        r"opacit(?:y|ies)", r"opacification", r"densit(?:y|ies)", r"haziness", r"airspace disease",
        r"air space disease", r"infiltrat\w*", r"increased (?:interstitial )?markings",
    ),
    "pleural_other": (
        r"fibrothorax", r"pleural (?:calcification|abnormalit\w+)",
        r"pleural (?:scarring|scars?|fibrosis)", r"pleural[- ]?parenchymal (?:scarring|scars?)",
        r"pleuroparenchymal (?:scarring|scars?)",
    ),
    # thickened airway walls (bronchitis, reactive airways): not pleura; the OpenI gold
    # nevertheless counts them as Pleural_Thickening (a convention of that label set, labelsets.py)
    "airway_wall_thickening": (
        r"(?:peri)?bronchial (?:wall )?thickening", r"thickening of the (?:peri)?bronch\w+(?: walls?)?",
        r"(?:bronchial|airway) walls? (?:are |is )?thickened", r"peribronchial cuffing",
    ),
    "fracture": (r"fractures?", r"fractured"),
    "device": (
        r"(?:picc|central venous|venous|swan[- ]ganz) (?:line|catheter)s?", r"catheters?",
        r"(?:endotracheal|et|nasogastric|ng|chest|feeding|tracheostomy|enteric) tubes?",
        r"pacemakers?", r"pacer", r"defibrillator", r"(?:aicd|icd)", r"leads?", r"ports?",
        r"sternotomy wires?", r"stents?", r"tubes?", r"(?:surgical )?clips",
        r"(?:vp|ventriculoperitoneal) shunt",
    ),
}

NORMAL_STATEMENTS = {
    "cardiomegaly": (
        r"(?:heart|cardiac silhouette|cardiac shadow|cardiomediastinal silhouette)(?: size)? (?:is |are |appears |remains )?(?:normal|within normal limits|not enlarged|unremarkable|stable and normal)",
        r"(?:normal|stable) (?:heart size|cardiac size|heart|cardiac silhouette|cardiomediastinal silhouette)",
        r"heart size (?:is )?(?:normal|within normal limits)",
        # "upper limits of normal" is still normal (not cardiomegaly)
        r"(?:heart|cardiac) size (?:is )?(?:at the )?(?:upper limits? (?:of )?normal|top normal)",
    ),
}

OTHER_ABNORMAL = (
    # look-alikes of label words that name another finding (matched whole, so that the shorter
    # label word inside is not): air in the soft tissues is not pulmonary emphysema, cystic
    # fibrosis is a disease not a fibrosis, fluid in the pericardium or the soft tissues is not
    # a pleural effusion or pulmonary edema (Fleischner glossary; CheXpert's mention rules)
    r"subcutaneous emphysema", r"(?:soft tissue|chest wall|mediastinal) emphysema", r"cystic fibrosis",
    r"pericardial effusions?", r"(?:soft tissue|subcutaneous|extremity|ankle|leg) edema",
    r"volume loss",
    # a mass of a neighbouring organ seen on the film is not a lung mass
    r"(?:thyroid|breast|neck|soft tissue|abdominal|renal|hepatic|liver) mass(?:es)?",
    r"calcified (?:\w+ )?granulomas?", r"granulomatous (?:disease|process)",
    r"granulom\w*", r"scar(?:ring|s)?", r"calcifi\w+", r"calcified", r"degenerative", r"spondylo\w+",
    r"osteophyt\w*", r"tortuous\w*", r"tortuosity", r"ectatic", r"ectasia", r"hyperinflat\w*",
    r"hyperexpan\w*", r"hyperaera\w*", r"opacit(?:y|ies)", r"opacification", r"densit(?:y|ies)", r"fractures?",
    r"sternotomy", r"clips", r"pacemakers?", r"catheters?", r"tubes?", r"scoliosis", r"kyphosis",
    r"atheroscleros\w*", r"atherosclerotic", r"low lung volumes?", r"elevat\w+ (?:\w+ )?hemidiaphragm",
    r"hemidiaphragm (?:is )?elevat\w+", r"deformit\w+", r"eventration", r"postoperative", r"post-?surgical",
    r"aneurysm\w*", r"adenopathy", r"lymphadenopathy", r"blunting", r"airspace disease",
    r"interstitial (?:markings|prominence|opacities|disease|thickening)", r"prominent (?:interstitial|hilar)",
    r"bronchiectasis", r"cyst\w*", r"bulla\w*", r"cavit\w+", r"lesions?", r"copd", r"chronic obstructive",
    r"osteopenia", r"metal\w*", r"hardware", r"prosthe\w+", r"arthritic", r"arthritis", r"abnormalit\w+",
    r"borderline", r"enlarge\w*", r"prominen\w+", r"thickening",
)

NEG_PRE = (
    r"no", r"not", r"without", r"absence of", r"absent", r"negative for", r"free of", r"free from", r"clear of",
    r"resolution of", r"resolved", r"no evidence of", r"no signs? of", r"no xxxx of", r"rules out",
    r"ruled out", r"excluded?", r"denies", r"never", r"nor", r"neither", r"cannot see", r"there is no",
    r"removal of", r"interval removal of", r"clearing of", r"no longer", r"not (?:seen|identified|visualized)",
    r"no radiographic evidence of", r"negative", r"no definite", r"unlikely", r"without definite",
    r"not definitely",
)
NEG_POST = (
    r"(?:(?:is|are|was|were|has|have) )?(?:not|no longer) (?:seen|identified|visualized|visible|present|appreciated|demonstrated|noted|evident|detected|definitely seen)",
    r"(?:(?:has|have) )?resolved", r"(?:(?:is|are) )?absent", r"(?:(?:has been|have been|is|are) )?(?:removed|excluded|ruled out)",
    r"free", r"cleared", r"(?:(?:is|are) )?(?:very |highly )?unlikely",
)
UNC_PRE = (
    r"possible", r"possibly", r"less likely", r"may (?:be|represent|reflect|indicate)",
    r"might", r"could (?:be|represent|reflect|indicate)", r"cannot (?:be )?(?:excluded?|ruled out|rule out)",
    r"can not (?:be )?(?:excluded?|ruled out|rule out)", r"cannot exclude", r"not (?:be )?excluded",
    r"difficult to (?:exclude|rule out)", r"suspicious (?:for|of)", r"concerning for", r"suspect\w*",
    r"suggest\w*", r"question(?:able)? (?:of )?", r"questionable", r"equivocal", r"consider(?:ed)? (?:for|as)",
    r"differential (?:diagnosis )?(?:includes?|considerations?)?", r"borderline",
    r"indeterminate", r"worrisome for",
    r"question", r"\?", r"presum\w+", r"uncertain", r"would be difficult to exclude",
    # requests and hypotheticals: "to rule out pneumonia", "could obscure a nodule"
    r"rule out", r"r/o", r"to exclude", r"evaluate for", r"evaluation of possible", r"(?:could|may|might) obscure",
    r"if there is", r"in case of",
    r"not (?:entirely )?(?:be )?ruled out", r"cannot be entirely excluded",
    # attributions that offer a cause among others: "opacities may be due to atelectasis"
    r"(?:may|could|might) be (?:due to|secondary to|related to|from|caused by)",
    r"(?:may|could|might) (?:be )?(?:in part )?(?:due|secondary) to",
)
UNC_POST = (
    r"(?:is|are|cannot be|can not be|not) (?:excluded|ruled out)", r"cannot be (?:entirely )?excluded",
    r"(?:(?:is|are) )?(?:not )?(?:entirely )?excluded", r"(?:(?:is|are) )?(?:possible|suspected|questioned|likely|probable)",
    r"\?", r"(?:could|may|might) (?:be|represent|reflect)", r"not excluded",
)
# a differential of named alternatives, "atelectasis versus scarring" (lexicon.py, labelsets.py)
ALTERNATIVES = (r"versus", r"vs\.?")
PSEUDO = (
    r"no (?:significant |interval |substantial |appreciable )?(?:change|increase|decrease|worsening|improvement|progression)(?: in| of)?",
    r"not only", r"no (?:other|further)(?= \w+ (?:than|besides))", r"without (?:significant |interval )?change(?: in| of)?",
    r"not (?:significantly )?(?:changed|increased|decreased)", r"unchanged", r"no longer (?:enlarged)?(?=\W*$)",
    r"not cause", r"gram negative", r"not drain", r"no suspicious change",
    r"no definite change", r"(?:may|could) not be", r"without evidence of change",
)
# Hedges of high likelihood assert the finding: "probably", "likely", "most likely" mean about
# 75% or more in the radiologists' certainty lexicon of Panicek & Hricak (AJR 2016, "How sure
# are you, doctor?"); "possible", "may represent", "cannot exclude" (50% or less) stay uncertain,
# and "unlikely" (under 10%) negates.
POS_PRE = (
    r"probable", r"probably", r"most likely", r"likely", r"highly suggestive of",
    r"(?:most|strongly|very) (?:suggestive of|consistent with|compatible with)",
    r"not without", r"cannot rule it out", r"no absence of", r"not absent",
)
TERMINATORS = (
    r"but", r"however", r"although", r"though", r"except", r"aside from", r"apart from", r"other than",
    r"which", r"whereas", r"yet", r"still", r"otherwise", r"there (?:is|are)", r"there has been",
    r"with (?:a|an|the)?\s*(?:small|mild|moderate|large|minimal|trace)", r"and (?:a|an|the)\b",
    r"secondary to", r"due to", r"reflecting", r"status post", r"s/p", r"causing", r"while", r"also",
)

ANATOMY = {
    "lung": (r"lungs?", r"pulmonary", r"lung fields?", r"hemithorax", r"lung bases?", r"bases?", r"apex", r"apices", r"apical", r"basilar", r"bibasilar"),
    "lobe": (r"(?:right|left) (?:upper|middle|lower) lobe", r"lingula\w*", r"upper lobes?", r"lower lobes?", r"middle lobe", r"midlung"),
    # zones of the frontal radiograph (upper / mid / lower thirds of a lung field), the usual
    # British reporting terms where a finding cannot be assigned to a lobe on a single view
    "zone": (r"(?:(?:right|left) )?(?:upper|middle|mid|lower) (?:lung )?zones?", r"mid-?lung zones?"),
    "heart": (r"heart", r"cardiac(?: silhouette)?", r"cardiomediastinal silhouette"),
    "mediastinum": (r"mediastin\w*", r"hilar", r"hil(?:um|a)", r"aort\w+", r"trachea"),
    "pleura": (r"pleura\w*", r"costophrenic (?:angles?|sulc\w+)", r"fissures?"),
    "diaphragm": (r"(?:hemi)?diaphragms?",),
    "bone": (r"osseous structures?", r"bony structures?", r"ribs?", r"spine", r"clavicles?", r"sternum", r"thoracic spine", r"vertebra\w*"),
    "soft tissue": (r"soft tissues?",),
    "vasculature": (r"pulmonary vascular\w*", r"vasculature", r"vessels?"),
}

MODIFIERS = (
    r"small", r"large", r"mild(?:ly)?", r"moderate(?:ly)?", r"severe(?:ly)?", r"minimal", r"trace", r"tiny",
    r"focal", r"patchy", r"diffuse", r"bilateral", r"left", r"right", r"stable", r"unchanged", r"new",
    r"increasing", r"decreasing", r"improv\w+", r"worsen\w+", r"chronic", r"acute", r"calcified",
    r"streaky", r"linear", r"subsegmental", r"layering", r"loculated", r"enlarged", r"normal",
)

LEXICON_EN = Lexicon(
    lang="en",
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
    sentence_end=r"[;!\n]|\.(?<!\d\.)(?!\d)|\s\d+\.\s",  # a period between digits is a decimal
    anatomy=ANATOMY,
    modifiers=MODIFIERS,
    source="ChestX-ray14 / CheXpert definitions, Fleischner glossary, NegEx and NegBio trigger classes",
)
