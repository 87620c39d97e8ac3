"""Chinese phrasebook of the phantom reports (胸部正侧位片报告).

The style of Chinese chest radiograph reports (as in CN-CXR): short clauses joined by "，",
lung zones (上野/中野/下野), amounts (少量/中等量/大量), sizes in cm, and the standard terms
"心影增大", "胸腔积液", "气胸", "结节", "肿块", "实变", "肺不张", "肺水肿", "置管", "起搏器".
Sentences are joined without spaces, as Chinese text is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SEP = ""

MEDIASTINUM = ("纵隔居中。", "纵隔及肺门影未见异常。", "气管居中，纵隔未见增宽。")
LUNGS_CLEAR = ("两肺纹理清晰。", "双肺透亮度正常，肺纹理走行自然。")
SHARP_KEY = "肋膈角"  # SHARP_ANGLES is not added when a negative already says it
SHARP_ANGLES = ("双侧膈面光整，肋膈角锐利。", "双侧肋膈角锐利。")
BONES = ("胸廓骨质未见异常。", "所见骨质结构未见明确异常。", "胸廓对称，骨质未见破坏。")
NORMAL_IMPRESSIONS = ("心肺膈未见明显异常。", "胸部X线未见明显异常。", "两肺、心、膈未见明显异常。")
INDICATIONS = ("咳嗽、发热。", "胸闷气短。", "胸痛。", "术前检查。", "体检。", "复查。", "乏力。")
COMPARISONS = ("无。", "无既往片对比。", "无前片。")

SIDE = {"right": "右", "left": "左", "bilateral": "双"}
ZONE = {"upper": "上野", "middle": "中野", "lower": "下野"}
LOBE = {("right", "upper"): "右肺上叶", ("right", "middle"): "右肺中叶", ("right", "lower"): "右肺下叶",
        ("left", "upper"): "左肺上叶", ("left", "middle"): "左肺上叶舌段", ("left", "lower"): "左肺下叶"}
AMOUNT = {"small": "少量", "moderate": "中等量", "large": "大量"}
CARDIO = {"mild": "轻度", "moderate": "中度", "marked": "明显"}
EDEMA = {"mild": "轻度", "moderate": "中度", "severe": "重度"}
DEVICE_NOUN = {"endotracheal_tube": "气管插管", "central_line": "中心静脉置管", "pacemaker": "起搏器",
               "nasogastric_tube": "胃管"}
NEGATED = {  # noun used in "未见X、Y及Z。"
    "Cardiomegaly": "心影增大", "Pleural Effusion": "胸腔积液", "Pneumothorax": "气胸", "Nodule": "结节",
    "Mass": "肿块", "Consolidation": "实变", "Atelectasis": "肺不张", "Edema": "肺水肿",
}
SINGLE_NEGATIVES = {
    "Cardiomegaly": ("心影大小形态正常。", "心影不大。", "心影未见增大。"),
    "Pleural Effusion": ("双侧胸腔未见积液。", "未见胸腔积液。", "双侧肋膈角锐利，未见胸腔积液。"),
    "Pneumothorax": ("未见气胸。", "双侧未见气胸征象。"),
    "Consolidation": ("两肺未见明显实变影。", "两肺未见实变。"),
    "Edema": ("未见肺水肿征象。", "未见肺水肿。"),
    "Atelectasis": ("未见肺不张。", "两肺未见肺不张征象。"),
    "Nodule": ("两肺未见结节影。", "未见肺结节。"),
    "Mass": ("未见肿块影。", "两肺未见肿块。"),
}


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def negative(names: list[str], rng: np.random.Generator) -> str:
    """One sentence negating every finding in ``names``."""
    if len(names) == 1 and rng.random() < 0.7:
        return _pick(rng, SINGLE_NEGATIVES[names[0]])
    nouns = [NEGATED[n] for n in names]
    body = nouns[0] if len(nouns) == 1 else "、".join(nouns[:-1]) + "及" + nouns[-1]
    in_lungs = all(n in ("Nodule", "Mass", "Consolidation", "Atelectasis", "Edema") for n in names)
    prefix = _pick(rng, ("未见", "两肺未见")) if in_lungs else "未见"
    return f"{prefix}{body}。"


def _devices(a: dict[str, Any], rng) -> list[str]:
    out = []
    for d in a["devices"]:
        if d == "endotracheal_tube":
            out.append(_pick(rng, (f"气管插管在位，管端距隆突约{a['ett_tip_cm']:.1f}cm。",
                                   f"气管插管术后，管端位于隆突上方约{a['ett_tip_cm']:.1f}cm。")))
        elif d == "central_line":
            s = SIDE[a["line_side"]]
            out.append(_pick(rng, (f"{s}侧颈内静脉置管，管端位于上腔静脉。", f"{s}侧中心静脉置管，管端达上腔静脉。")))
        elif d == "pacemaker":
            out.append(_pick(rng, ("左胸壁见起搏器影，导线头端位于右心房及右心室。", "心脏起搏器置入术后，起搏导线在位。")))
        elif d == "nasogastric_tube":
            out.append(_pick(rng, ("胃管置管在位，管端位于胃内。", "胃管影，管端位于左膈下胃内。")))
    return out


def positive(name: str, a: dict[str, Any], rng: np.random.Generator) -> list[str]:
    """Sentences describing a present finding with its attributes."""
    if name == "Cardiomegaly":
        sev = CARDIO[a["severity"]]
        return [_pick(rng, (f"{sev}心影增大，心胸比约{a['ctr']:.2f}。", f"心影增大（{sev}）。",
                            f"心脏横径增宽，心胸比约{a['ctr']:.2f}，提示{sev}心影增大。"))]
    if name == "Pleural Effusion":
        s, amt = SIDE[a["side"]], AMOUNT[a["size"]]
        return [_pick(rng, (f"{s}侧{amt}胸腔积液，{s}侧肋膈角变钝。",
                            f"{s}侧肋膈角变钝，可见外高内低弧形液面影，考虑{s}侧{amt}胸腔积液。",
                            f"{s}侧胸腔{amt}积液征象，提示{s}侧胸腔积液。"))]
    if name == "Pneumothorax":
        s, amt = SIDE[a["side"]], AMOUNT[a["size"]]
        return [_pick(rng, (f"{s}侧{amt}气胸，可见气胸线。",
                            f"{s}侧胸腔外带可见无肺纹理透亮区及脏层胸膜线。考虑{s}侧{amt}气胸。"))]
    if name == "Nodule":
        where = f"{SIDE[a['side']]}肺{ZONE[a['zone']]}"
        return [_pick(rng, (f"{where}见一结节影，直径约{a['size_cm']:.1f}cm，边界清楚。",
                            f"{where}可见类圆形结节，大小约{a['size_cm']:.1f}cm。"))]
    if name == "Mass":
        where = f"{SIDE[a['side']]}肺{ZONE[a['zone']]}"
        return [_pick(rng, (f"{where}见团块状肿块影，大小约{a['size_cm']:.1f}cm，边缘分叶。",
                            f"{where}见一肿块，直径约{a['size_cm']:.1f}cm。"))]
    if name == "Consolidation":
        lobe = LOBE[(a["side"], a["zone"])]
        return [_pick(rng, (f"{lobe}见大片实变影，内见支气管充气征。", f"{lobe}实变。",
                            f"{lobe}片状密度增高影，考虑实变。"))]
    if name == "Atelectasis":
        s = SIDE[a["side"]]
        return [_pick(rng, (f"{s}下肺见条片状密度增高影，考虑盘状肺不张，{s}侧膈面抬高。",
                            f"{s}肺底盘状肺不张。"))]
    if name == "Edema":
        sev = EDEMA[a["severity"]]
        out = [_pick(rng, (f"双肺门周围见模糊片状影，呈蝶翼状分布，考虑{sev}肺水肿。",
                           f"{sev}肺水肿，双侧肺门影模糊。"))]
        if a["severity"] != "mild":
            out.append("双下肺外带可见Kerley B线。")
        return out
    if name == "Support Devices":
        return _devices(a, rng)
    raise ValueError(f"no Chinese phrasing for finding {name!r}")


def impression_item(name: str, a: dict[str, Any], rng: np.random.Generator) -> str:
    """A short impression line (印象) for a present finding."""
    if name == "Cardiomegaly":
        return f"{CARDIO[a['severity']]}心影增大。"
    if name == "Pleural Effusion":
        return f"{SIDE[a['side']]}侧{AMOUNT[a['size']]}胸腔积液。"
    if name == "Pneumothorax":
        return f"{SIDE[a['side']]}侧{AMOUNT[a['size']]}气胸。"
    if name == "Nodule":
        return f"{SIDE[a['side']]}肺{ZONE[a['zone']]}结节，直径约{a['size_cm']:.1f}cm。"
    if name == "Mass":
        return f"{SIDE[a['side']]}肺{ZONE[a['zone']]}肿块，直径约{a['size_cm']:.1f}cm。"
    if name == "Consolidation":
        return f"{LOBE[(a['side'], a['zone'])]}实变。"
    if name == "Atelectasis":
        return f"{SIDE[a['side']]}下肺盘状肺不张。"
    if name == "Edema":
        return f"{EDEMA[a['severity']]}肺水肿。"
    if name == "Support Devices":
        return "、".join(DEVICE_NOUN[d] for d in a["devices"]) + _pick(rng, ("在位。", "术后改变。"))
    raise ValueError(f"no Chinese phrasing for finding {name!r}")
