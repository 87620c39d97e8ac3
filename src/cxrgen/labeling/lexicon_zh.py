"""Chinese vocabulary of the rule labeler, and the 48 CN-CXR anatomy / lesion keywords.

Sources: standard Chinese chest-radiograph report wording (全国科学技术名词审定委员会 radiology
terms: 胸腔积液, 肺不张, 实变, 结节, 肿块, 气胸, 肺气肿, 纤维化, 胸膜增厚; report hedges 考虑, 可能,
疑, 待排, 不除外; negations 未见, 无, 未, 不, 没有), plus the wording of machine-translated English
reports (``iu_xray_zh_mt``: 固结 for consolidation, 无气肿 / 无气症 for atelectasis, 渗出物 for
effusion, 空隙疾病 for airspace disease), which a labeler of generated Chinese reports meets too.
Chinese has no spaces, so patterns are matched as substrings (``word_boundaries=False``) and
a mention that overlaps a trigger wins (无气肿 "atelectasis" is not 无 + 气肿).

:data:`CN_CXR_KEYWORDS`: the CN-CXR paper (Tang et al., "Generating Chinese Radiology Reports from
X-Ray Images: a Public Dataset and an X-ray-to-Reports Generation Method", MICCAI 2023 workshops)
counts 48 anatomy and lesion keywords per split in its Table 1. The table itself could not be
retrieved on this machine; the list below is a RECONSTRUCTION from the paper's description (anatomy
and lesion nodes of CN-RadGraph) and the most frequent terms of Chinese chest X-ray reports:
20 anatomy and 28 lesion keywords. Replace it with the paper's list when it is at hand.
"""

from __future__ import annotations

from dataclasses import replace

from cxrgen.labeling.lexicon import Lexicon

MENTIONS = {
    "atelectasis": (r"肺不张", r"肺?膨胀不全", r"萎陷", r"肺不扩张", r"盘状不张", r"不张", r"肺(?:部|叶)?塌陷",
                    r"塌陷",
                    # subsegmental / plate-like (discoid) opacities are atelectasis in chest
                    # radiograph wording (亚段性肺不张, 盘状肺不张): the qualifier identifies the
                    # finding even where the noun after it is mistranslated ("段下无吸收")
                    r"(?:亚节段|亚段|肺?节?段下|节下|盘状|板状|线状)[性的]?[^，。；、,]{0,3}?(?:无[^，。；、,或和]{0,2}|不张|塌陷|萎陷|失水|漏气)") + (
        # machine-translation renderings of "atelectasis" in iu_xray_zh_mt (a- "without" +
        # -ectasis): not Chinese radiology words, but what models trained on that data write
        r"无气肿", r"无气症",
        # "airless" (无气) is what atelectatic lung is; 无气胸 stays "no pneumothorax"
        r"无气(?![胸体道管])", r"无气的", r"无气区域?", r"无气性", r"无渗漏", r"无张力", r"无气隙", r"无气孔",
    ),
    "cardiomegaly": (
        r"心脏?(?:影|轮廓|体积)?(?:明显|轻度|中度|重度|稍|略|轻微)?(?:增大|扩大|肿大|肥大|增宽)",
        r"心(?:肌|脏)(?:肿大|肥大)", r"心影(?:增大|扩大|增宽)", r"心胸比(?:例|率)?(?:增大|增高|大于)",
        r"心脏的?大小(?:增加|增大)", r"心脏扩大症", r"心脏增大症",
        # the heart border (心界) enlarged, an enlarged ventricle, the enlarged configurations
        # (普大型 / 二尖瓣型 / 主动脉型心) and a cardiothoracic ratio over 0.5 (the usual
        # radiographic threshold of cardiomegaly): Chinese report wording of cardiomegaly
        r"心界(?:(?![不没未无正])[^，。；,、]){0,6}?(?:增大|扩大|增宽)", r"心室(?:明显|轻度)?(?:增大|扩大|肥大)",
        r"左室(?:增大|扩大|肥大)", r"心(?:影|脏)?呈(?:普大|二尖瓣|主动脉)型", r"普大型心",
        r"心胸比(?:例|率)?(?:约|约为|为|是)?0?\.(?:5\d*[1-9]|[6-9])",
        # up to eight characters between 心脏/心影 and the enlargement word ("心脏大小轻度增大",
        # "心脏轮廓有边缘性增大"), none of them a negation or 正常
        r"心(?:脏|影)(?:(?![不没未无正])[^，。；,、]){0,8}?(?:增大|扩大|肿大|肥大|略大|偏大|较大|稍大|稍增大|增宽)",
        # borderline heart size (心影大小处于临界 / 边缘状态), as "borderline cardiomegaly" in English
        r"心(?:脏|影)(?:的)?(?:大小|轮廓)?[^，。；,、]{0,4}(?:边缘|临界)(?:性|状态)?",
        r"心(?:脏|影)(?:的)?(?:大小|轮廓)?比正常(?:的)?(?:大|增大)",
        # 心影饱满: Chinese report wording for a borderline-large heart, read as "borderline
        # cardiomegaly" above
        r"心(?:脏|影)(?:稍|略|较)?饱满",
    ),
    # 胸腔积水 is a colloquial but used synonym of 胸腔积液; 肾积水 (hydronephrosis) is not pleural
    # fluid in the pleural space (胸膜腔内液体), as English "pleural fluid"
    "effusion": (r"胸腔积液", r"积液", r"胸水", r"渗出物", r"渗漏", r"液气胸", r"胸膜腔积液", r"(?<!肾)积水",
                 r"胸(?:膜|腔)(?:腔)?(?:内)?(?:的)?(?:少量|少许)?液体"),
    # 渗出影 / 渗出性病变 / 斑片状渗出: the Chinese report word of an infiltrative (exudative)
    # airspace opacity; bare 渗出 is left out, it renders "effusion" in translated text
    "infiltrate": (r"浸润", r"渗出(?:影|灶|性(?:病变|改变|病灶|阴影))", r"片状?渗出"),
    "mass": (r"肿块", r"团块", r"块影", r"肿物", r"占位", r"包块"),
    # as in English, the noun: 结节状 / 结节性 / 结节密度 describe an opacity (lung lesion)
    "nodule": (r"结节(?![状性样]|密度|形态|影)", r"结节影"),
    # 炎性病变 / 炎性渗出 / 炎症性改变 / 炎性浸润: how Chinese reports name a pneumonic opacity
    "pneumonia": (r"肺炎", r"肺部?感染", r"支气管肺炎", r"肺部?炎症", r"感染性(?:病变|过程|疾病)",
                  # the impression "(考虑)炎症 / 感染" of a chest film names a pulmonary one
                  r"考虑为?(?:炎症|感染)", r"符合(?:炎症|感染)", r"炎(?:症性?|性)(?:病变|渗出|改变|病灶|浸润)"),
    # 胸腔积气 (air in the pleural cavity) and a compressed lung (肺组织压缩约30%) are how Chinese
    # reports state and size a pneumothorax
    "pneumothorax": (r"气胸", r"液气胸", r"胸(?:膜)?腔(?:内)?积气", r"肺(?:组织)?(?:被)?压缩"),
    "consolidation": (r"实变", r"固结", r"空隙合并", r"空腔合并", r"气腔合并", r"巩固",
                      # machine translation of "(focal / lobar) consolidation" as 合并 ("merge")
                      r"局灶性(?:的)?(?:肺泡|气隙|空隙|空腔|肺部)?合并", r"(?:肺|叶)合并(?!症)"),
    "edema": (r"水肿",),
    "emphysema": (r"肺气肿", r"气肿"),
    # 纤维索条影 / 纤维条索影: the usual Chinese wording of fibrotic strands
    "fibrosis": (r"纤维化", r"纤维变性", r"纤维性变", r"纤维(?:索条|条索)",
                 # 纤维灶 / 纤维增殖灶 / 纤维化灶 (fibrotic foci), honeycombing (蜂窝肺)
                 r"纤维(?:化|增殖|性)?(?:病)?灶", r"纤维(?:增殖|性改变|样改变)", r"蜂窝(?:肺|状)"),
    "pleural_thickening": (r"胸膜(?:局部|轻度)?增厚", r"胸膜肥厚", r"胸膜[^，。；,]{0,4}增厚",
                           r"(?:叶间)?裂隙?增厚", r"胸膜顶", r"肺尖帽", r"胸膜帽",
                           # the noun after its adjective (增厚的胸膜), pleural plaques (胸膜斑, as
                           # English "pleural plaque"), the fissure's thickening with 的 between
                           r"增厚(?:的)?(?:胸膜|叶间裂|裂隙)", r"胸膜斑", r"裂隙?的(?:轻度|轻微)?增厚"),
    "hernia": (r"疝",),
    "enlarged_cardiomediastinum": (r"纵[隔膈](?:影)?(?:增宽|扩大|增大|变宽)",),
    "lesion": (r"结节[状性样]", r"结节(?:密度|形态)", r"病变", r"肿瘤", r"占位性病变", r"癌"),
    "opacity": (r"不透明", r"阴影", r"密度增高影?", r"斑片影", r"斑片状影?", r"模糊影", r"混浊", r"浑浊",
                r"空隙疾病", r"空腔疾病", r"磨玻璃", r"致密影", r"浸润"),
    # scarring of the pleura (胸膜顶瘢痕): Pleural Other, not a thickening (as in English)
    "pleural_other": (r"胸膜(?:钙化|粘连)", r"胸膜(?:(?!增厚)[^，。；,、]){0,4}(?:瘢痕|疤痕)"),  # 胸膜增厚和瘢痕: both
    # thickened airway walls, peribronchial cuffing (lexicon_en.py, labelsets.py)
    "airway_wall_thickening": (r"支气管(?:壁|周围|周)?(?:的)?增厚", r"支气管周围?(?:的)?袖口", r"支气管袖套征"),
    "fracture": (r"骨折",),
    "device": (r"导管", r"管线", r"起搏器", r"引流管", r"胸管", r"支架", r"PICC", r"picc", r"插管", r"分流管",
               r"除颤器", r"导线", r"置管", r"胃管", r"气管插管", r"鼻饲管", r"输液港"),
}

#: MACHINE-TRANSLATION RENDERINGS of this data set (``iu_xray_zh_mt``), kept apart from
#: :data:`MENTIONS` so that a reader knows which figures depend on them: they are not Chinese
#: radiology words, they are what the translation system wrote for English terms, and what a
#: model trained on that data writes back. Counts: reports of the whole MT set (2,667) holding
#: the string / of those in the dev half, how many the English gold marks with the finding.
#: :data:`LEXICON_ZH` uses them, :data:`LEXICON_ZH_WITHOUT_MT_VARIANTS` does not (README,
#: "Clinical efficacy", gives the figures with and without). Older MT renderings (无气肿, 无气症,
#: 固结, 空隙合并 ...) stay in :data:`MENTIONS`, commented there.
MT_VARIANTS = {
    "atelectasis": (
        r"漏气",            # "air leak" for atelectasis: 18 reports; dev 8 of 10 gold Atelectasis
        r"无渗出(?!物)",    # a- + "exudation": 8; dev 6 of 6
        r"无吸收",          # a- + "absorption": 9; dev 6 of 7
        r"无意识",          # a- + "consciousness": 7; dev 3 of 3
        r"无脑症",          # a- + "-encephaly": 7; dev 2 of 3
        r"无力感",          # "plate-like atelectasis" as 板状无力感: 5; dev 1 of 1
        r"失水",            # "dehydration" for atelectasis: 3; dev 2 of 2
    ),
    # "consolidation" as 合并症 ("comorbidity"): 141 reports, nearly all negated (没有合并症);
    # dev 2 of 2 asserted ones are gold Consolidation
    "consolidation": (r"合并症",),
}

NORMAL_STATEMENTS = {
    "cardiomegaly": (
        r"心脏(?:的)?(?:大小|形态|轮廓)(?:和(?:形状|轮廓|纵[隔膈]))?(?:都|均|是|在|也)?(?:很)?(?:正常|在正常范围内)",
        r"心影(?:大小)?(?:正常|不大)", r"心脏不大", r"心(?:脏|影)(?:的)?(?:大小)?(?:并)?不大", r"心脏未见(?:增大|扩大)", r"心脏(?:大小)?(?:在)?正常(?:范围|大小)",
        r"心脏(?:大小)?处于正常上限",
        r"心(?:脏|影)(?:的)?(?:大小|形态|轮廓)[^，。；]{0,6}?(?:在正常范围内?|未见异常|无异常)",
        # "slightly enlarged but within the normal range" is a normal heart
        r"心(?:脏|影)[^。；;，,]{0,10}(?:增大|扩大|略大|大于正常)[^。；;]{0,6}但(?:仍|是)?(?:在|处于)正常(?:范围|上限)[内之]?",
    ),
}

OTHER_ABNORMAL = (
    # look-alikes of label words naming another finding (lexicon_en.py): subcutaneous emphysema,
    # cystic fibrosis, pericardial effusion, soft-tissue edema
    r"皮下气肿", r"(?:纵[隔膈]|软组织|胸壁)气肿", r"囊性纤维化", r"心包积液", r"(?:软组织|皮下|下肢|踝部?|脚踝)水肿",
    r"(?:甲状腺|乳腺|乳房|颈部|腹部|软组织)(?:的)?(?:肿块|包块)",
    r"瘢痕", r"疤痕", r"钙化", r"肉芽肿", r"退行性", r"骨质增生", r"脊柱侧弯", r"侧弯", r"迂曲", r"扭曲",
    r"过度充气", r"过度膨胀", r"术后", r"胸骨切开", r"动脉粥样硬化", r"肺容积(?:低|减少)", r"容积(?:低|减少)",
    r"膈(?:肌|肌)?抬高", r"畸形", r"淋巴结肿大", r"腺病", r"钝化", r"变钝", r"支气管扩张", r"囊肿", r"肺大泡",
    r"空洞", r"骨质疏松", r"硬化", r"夹子", r"增厚", r"异常",
)

NEG_PRE = (
    r"未见", r"未发现", r"没有发现", r"没有", r"无", r"未", r"不", r"排除了?", r"已经排除了?", r"已排除", r"并无",
    r"均未见", r"否认", r"未显示", r"没有显示", r"没有任何", r"缺乏", r"不存在", r"未见明确", r"未见明显",
    r"未再见", r"无明显", r"没有明显", r"并没有", r"不见",
    r"未见确切", r"未发现明显", r"未见明确的", r"不伴(?:有)?", r"不考虑", r"不支持", r"不符合",
)
NEG_POST = (
    r"消失", r"已消失", r"已经?解决", r"已吸收", r"已经?消除", r"被排除", r"已排除", r"不明显", r"阴性", r"未见",
    r"已经消退", r"已消退", r"已经吸收", r"不存在", r"得到解决", r"已得到解决", r"得到缓解",
    # after a list ("气胸、胸腔积液均未见", "心影、纵隔均正常"): 均未见 is also a pre-trigger
    # (NEG_PRE), and a trigger with both tags acts as the post-negation of what precedes it
    r"(?:均|都)未(?:见|发现|显示)(?:明显)?(?:异常)?", r"(?:均|都)(?:在)?(?:正常范围内?|正常)",
    r"正在消退", r"消退",
    # "unlikely" negates, as in English (Panicek & Hricak 2016: under 10%)
    r"可能性(?:很|较|极)?小", r"可能性不大",
)
# "cannot be excluded" (不能除外 …), before or after the finding; each alternative starts with a
# literal, which keeps the one compiled alternation fast (rules._Matcher)
CANNOT_EXCLUDE = (r"不能除外", r"不可除外", r"无法除外", r"难以除外", r"未能除外")
UNC_PRE = (
    # "X可能是由于Y" / "X可能与Y有关": the hedge is the cause's, X is asserted. One longer
    # pre-trigger, so that its 可能 is not read as a post-hedge of X (the post-trigger loop of
    # rules.py stops at a pre-trigger) and still hedges Y after it
    r"可能(?:是|主要是)?(?:由于|因为|来自于?|源于|继发于|与)",
    r"可能", r"疑似", r"疑", r"可疑", r"待排", r"不除外", r"不能排除", r"无法排除", r"难以排除", r"似",
    *CANNOT_EXCLUDE, r"需要?(?:除外|排除)", r"应(?:除外|排除)", r"建议(?:除外|排除)", r"拟诊", r"可能为",
    r"提示", r"怀疑", r"或许", r"也许", r"不排除", r"警惕",
    # a differential ("鉴别诊断包括…", "需与结核相鉴别"), as English "differential includes"
    r"鉴别诊断(?:包括|有|为|考虑)?",
    # "concerning for" (令人担心的是 / 最令人担忧的), a hedge as in English
    r"(?:让人|令人)?(?:最)?(?:担心|担忧)(?:的是)?",
)
UNC_POST = (r"可能", r"待排", r"不除外", r"不能排除", r"？", r"\?", r"待查", r"可疑", r"待除外", *CANNOT_EXCLUDE,
            r"可能性", r"待定", r"相?鉴别")
#: "肺炎可能性大": high likelihood after the mention asserts it
POS_POST = (r"可能性(?:很|较|极)?大",)
PSEUDO = (
    r"无明显变化", r"无变化", r"没有变化", r"未见变化", r"较前无变化", r"无明显改变", r"没有改变", r"未见明显变化",
    r"无明显增减", r"不仅", r"保持不变", r"不变", r"没有新的", r"无新的",
)
# high-likelihood hedges assert, as in English (Panicek & Hricak 2016); plain 可能 stays uncertain
# Chinese reports word their certainty in tiers: certain (符合, 为), probable (考虑, 多为, 首先考虑,
# 可能性大), possible (可能, 疑, 不除外, 待排). The probable tier is English "likely / probable",
# which asserts (lexicon_en.POS_PRE): "右下肺斑片影，考虑肺炎" states pneumonia as the diagnosis;
# "考虑肺炎可能" is hedged again by its 可能 (a post-hedge lowers a pos_pre, rules.py)
POS_PRE = (r"考虑", r"考虑为", r"首先考虑", r"多考虑", r"多为", r"倾向于?", r"符合", r"最(?:能|有可能)?提示", r"强烈提示", r"最符合", r"很可能", r"很有可能", r"极有可能", r"极可能", r"高度提示", r"并非没有", r"不是没有", r"并非无", r"非无", r"不无")
TERMINATORS = (
    # a new clause after a comma that asserts again ("没有肺水肿，肺血管正常，存在少许肺不张"):
    # the negation of the first clause does not reach into it
    r"[，,](?:并|还|也|但|且)?(?:存在|可见|伴有|观察到|注意到|另有|还有|显示有|出现)",
    # "…，有轻微的心脏肿大" / "左肺未见实变，有少许纤维索条": 有 opens an asserting clause (有无
    # "whether" does not)
    r"[，,](?:并|还|也|但|且)?有(?!无)",
    # "未见气胸，右下肺见斑片状实变", "未见明显气胸，左侧胸腔少量积液": a clause that names a
    # place and then 见 or an amount states a finding of its own
    r"[，,](?:[左右双两]侧?)?(?:[上中下]?肺(?:[上中下]野|[上中下]叶|门|底|尖)?|胸腔|肋膈角)?(?:内|区)?"
    r"(?:可见|见|少量|中量|中等量|大量|少许)",
    r"只(?:观察到|见到?|发现|有)", r"仅(?:见|有|观察到|发现)",
    r"但", r"但是", r"然而", r"不过", r"此外", r"另外", r"同时", r"而", r"虽然", r"除了", r"伴", r"只是", r"只有", r"仅有", r"但有",
)

ANATOMY = {
    "双肺": (r"[左右双两]?肺[上中下]野", r"双肺", r"两肺", r"肺部", r"肺野", r"肺"),  # 肺中野: mid zone
    "肺门": (r"肺门",),
    "纵隔": (r"纵[隔膈]",),
    "心影": (r"心影", r"心脏", r"心"),
    "主动脉": (r"主动脉(?:弓|结)?",),
    "膈": (r"膈(?:肌|面|顶)?", r"横膈"),
    "肋膈角": (r"肋膈角", r"肋膈沟"),
    "胸膜": (r"胸膜",),
    "骨骼": (r"肋骨", r"骨骼", r"骨质", r"胸椎", r"脊柱", r"锁骨"),
    "气管": (r"气管", r"支气管"),
}

MODIFIERS = (
    r"少量", r"大量", r"中量", r"轻度", r"中度", r"重度", r"明显", r"轻微", r"局灶性?", r"弥漫性?", r"双侧",
    r"左侧?", r"右侧?", r"稳定", r"增多", r"增粗", r"小", r"大",
)

#: The 48 anatomy and lesion keywords of CN-CXR Table 1, RECONSTRUCTED (see module docstring).
CN_CXR_ANATOMY = (
    "双肺", "肺野", "肺纹理", "肺门", "纵隔", "心影", "心脏", "主动脉", "主动脉弓", "气管",
    "支气管", "膈肌", "膈面", "肋膈角", "胸膜", "肋骨", "胸椎", "锁骨", "胸廓", "软组织",
)
CN_CXR_LESIONS = (
    "结节", "肿块", "斑片影", "条索影", "实变", "渗出", "积液", "气胸", "钙化", "增厚", "粘连", "肺气肿",
    "肺大泡", "纤维化", "肺不张", "肺炎", "水肿", "增大", "增宽", "增粗", "骨折", "空洞", "结核",
    "磨玻璃影", "间质性改变", "术后改变", "占位", "积气",
)
CN_CXR_KEYWORDS = CN_CXR_ANATOMY + CN_CXR_LESIONS

LEXICON_ZH_WITHOUT_MT_VARIANTS = Lexicon(
    lang="zh",
    mentions=MENTIONS,
    normal_statements=NORMAL_STATEMENTS,
    other_abnormal=OTHER_ABNORMAL,
    neg_pre=NEG_PRE,
    neg_post=NEG_POST,
    unc_pre=UNC_PRE,
    unc_post=UNC_POST,
    pseudo=PSEUDO,
    pos_pre=POS_PRE,
    pos_post=POS_POST,
    terminators=TERMINATORS,
    # 不 inside an adjective of the finding's look ("边缘不清", "充气不足", "密度不均") or
    # 考虑到 ("taking into account") is no trigger
    inert=(r"可疑的", r"不对称", r"不规则", r"不完全", r"不全", r"不足", r"不清", r"不良", r"不均", r"不佳", r"不整",
           r"不光整", r"不锐利", r"不一", r"不等", r"不典型", r"不同", r"不连续", r"考虑到"),
    sentence_end=r"[。；;！!\n]|\.(?<!\d\.)(?!\d)",
    word_boundaries=False,
    pre_scope=40,
    # 20 characters: a post-negation reaches back over a short 、-list ("肺实变、胸腔积液及气胸均未见")
    post_scope=20,
    anatomy=ANATOMY,
    modifiers=MODIFIERS,
    source="Chinese chest radiograph report wording (CNTERM radiology terms), hedges 考虑/可能/疑/待排, "
           "machine-translation wording of iu_xray_zh_mt",
)

#: the Chinese lexicon used by ``get_labeler("zh")``: :data:`MENTIONS` plus :data:`MT_VARIANTS`
LEXICON_ZH = replace(
    LEXICON_ZH_WITHOUT_MT_VARIANTS,
    mentions={c: MENTIONS.get(c, ()) + MT_VARIANTS.get(c, ()) for c in {**MENTIONS, **MT_VARIANTS}},
    source=LEXICON_ZH_WITHOUT_MT_VARIANTS.source + " (with the MT_VARIANTS list)",
)
