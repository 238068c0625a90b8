"""The prompt-injection rule table: high-precision patterns (EN/FR), each with a score and a scope.

Rules score 1.0 (clear attack) or 0.8 (suspicious); `tool_only` rules (text addressed to the assistant, ciphers,
code, role lines) apply to tool output only, where such text has no business. `injection.py` combines the best
match with the model heads.
"""

import re
from dataclasses import dataclass

__all__ = ["match_rules"]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    score: float
    tool_only: bool = False


def _rule(name: str, pattern: str, score: float = 1.0, *, tool_only: bool = False, case: bool = False) -> _Rule:
    flags = re.MULTILINE | (0 if case else re.IGNORECASE)
    return _Rule(name, re.compile(pattern, flags), score, tool_only)


_QUAL = r"(?:previous|prior|above|earlier|preceding|initial|original|system|safety|former|old|existing|default)"
_OBJ = (
    r"(?:instructions?|directions?|directives?|rules|guidelines|prompts?|prompting|programming|guardrails|"
    r"restrictions|constraints|commands|policies|training)"
)
_TOOLS = (
    r"(?:process_refund|escalate_to_human|create_ticket|lookup_order|search_faq|verify_customer|get_ticket|"
    r"check_refund_eligibility|list_customer_orders|update_ticket_status|add_ticket_note)"
)

_CODED = (
    r"(?:emojis?|emoticons|hex(?:adecimal)?|base[\s-]?(?:16|32|58|64|85)|binary|ascii|morse|ciphers?|ciphered|"
    r"backwards|reverse\s+order)"
)
_WRITING = (
    r"(?:answers?|repl(?:y|ies)|respon(?:d|ses?)|output|messages?|text|letters|words|sentences?|characters|write|"
    r"speak|talk)"
)
_TRANSFORM = (
    rf"\b{_CODED}\b[^.!?\n]*\b{_WRITING}\b|\b{_WRITING}\b[^.!?\n]*\b{_CODED}\b|"
    r"(?:^|[.!?:]\s+)(?:encode|encrypt|decode|decrypt|scramble|obfuscate|transliterate)\b"
)
"""Text written in a code (emoji, an encoding, a cipher, backwards) or an order to encode it, in one sentence."""

_RULES: tuple[_Rule, ...] = (
    _rule(
        "ignore_instructions",
        rf"\b(?:ignore|disregard|forget|override|bypass)\s+(?:(?:all|any|every)\s+(?:of\s+)?(?:the\s+|your\s+|my\s+)?"
        rf"(?:{_QUAL}\s+)?|(?:the\s+|your\s+|my\s+|these\s+)?{_QUAL}\s+|your\s+)(?:[\w-]+\s+){{0,2}}?{_OBJ}\b|"
        rf"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:the\s+)?(?:instructions?|directions?|rules|text|prompt)\s+"
        r"(?:above|before|given|so\s+far)\b|\b(?:ignore|disregard|forget)\s+(?:all\s+|everything\s+)?(?:the\s+)?"
        r"(?:above|previous|preceding)\s*(?:text|content|context|input|and\b|[.,:;!]|$)|"
        r"\b(?:ignore[rz]?|oublie[rz]?|ne\s+tiens?\s+pas\s+compte\s+d[eu]s?)\s+(?:toutes?\s+)?(?:les\s+|tes\s+|vos\s+|"
        r"ses\s+)?(?:[\w-]+\s+)?(?:instructions|consignes|r[èe]gles|directives)\b",
    ),
    _rule(
        "persona_override",
        r"\byou\s+are\s+now\s+(?:in\s+|entering\s+)?(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:bot|ai|assistant|"
        r"chatbot|character|persona|mode|version|dan|gpt|llm)\b|\bdo\s+anything\s+now\b|\bdeveloper\s+mode\b|"
        r"\b(?:god|sudo|jailbreak|evil|dan)\s+mode\b|\b(?:unfiltered|unrestricted|"
        r"uncensored|amoral|jailbroken)\s+(?:ai|assistant|chatbot|model|bot|llm)\b|"
        r"\b(?:safe\s+mode|content\s+polic(?:y|ies)|filters?)\s+(?:is\s+|are\s+)?(?:off|disabled|deactivated)\b|"
        r"\bno\s+(?:moral|ethical)\s+(?:or\s+ethical\s+)?guidelines\b|\btu\s+es\s+(?:maintenant|d[ée]sormais)\s+|"
        r"\b(?:pretend|imagine|act\s+as\s+if|suppose)\s+(?:that\s+)?(?:you\s+(?:have|had)|there\s+(?:are|were))\s+no\s+"
        r"(?:rules|restrictions|guidelines|filters|limits)\b|\bcomme\s+si\s+tu\s+n'avais\s+(?:aucune?|pas\s+de)\s+"
        r"(?:r[èe]gles?|restrictions?|limites?|filtres?)\b|\bmode\s+d[ée]veloppeur\b|\br[ée]pon(?:ds|dez|se)\s+sans\s+"
        r"(?:filtre|censure|restriction)",
    ),
    _rule("dan", r"\b(?:DAN|STAN)\b", case=True),
    _rule(
        "prompt_extraction",
        r"\b(?:reveal|show|print|display|output|repeat|recite|tell|give|share|list|dump|leak|expose|disclose|relay|"
        r"write|spell|translate|encode|summari[sz]e)\s+(?:me\s+|us\s+)?(?:out\s+)?(?:back\s+)?(?:all\s+)?(?:of\s+)?"
        r"(?:your|the|its)\s+(?:[\w-]+\s+){0,2}?(?:system\s+(?:prompt|message|instructions?)|(?:initial|original|"
        r"hidden|secret|starting|internal|pre-?)\s*(?:prompt|instructions?)|instructions\s+(?:you\s+were|you'?ve\s+"
        r"been|that\s+you))\b|\b(?:reveal|show|print|display|output|repeat|recite|relay|dump|list)\s+(?:me\s+)?"
        r"(?:all\s+)?(?:of\s+)?your\s+(?:[\w-]+\s+)?instructions\b|\bwhat\s+(?:are|were|is)\s+your\s+(?:initial\s+|"
        r"original\s+|system\s+|secret\s+|hidden\s+|exact\s+)?(?:instructions|system\s+prompt|prompt|directives|"
        r"programming)\b(?!\s+(?:for|on|to|about|regarding))|\b(?:system|initial|original|hidden|secret)\s+prompt\b|"
        r"\byour\s+system(?:'s)?\s+(?:instructions|prompt|message|parameters)\b|\bwhat\s+were\s+you\s+(?:told|"
        r"instructed|programmed)\b|\b(?:start|begin)\s+your\s+(?:answer|response|reply)\s+with\s+['\"]?(?:my|i)\b|"
        r"\brepeat\s+(?:the\s+|this\s+)?(?:above|entire|whole)\s+(?:text|conversation|prompt)\b|"
        r"\bprompt\s+syst[èe]me\b|\b(?:montre|affiche|r[ée]v[èe]le|donne|r[ée]p[èe]te|dis)[\w-]*\s+(?:moi\s+)?"
        r"(?:tes|vos|ton|votre)\s+(?:[\w-]+\s+)?(?:instructions|consignes|prompt)\b",
    ),
    _rule(
        "new_instructions",
        r"\b(?:new|updated|revised|real|actual|secret|hidden)\s+(?:instructions?|directives?|system\s+prompt)\s*"
        r"(?::|are\b|follow\b)|#+\s*(?:begin|start)?\s*new\s+instructions|\bbegin\s+reprogramming\b|"
        r"\bend\s+(?:of\s+)?(?:the\s+)?(?:out\s+of\s+date\s+)?instructions\b|\bsystem\s+(?:note|override|update|"
        r"upgrade|alert)\b|\b(?:administrator|admin|developer|root|sudo)\s+(?:override|access\s+granted|command)\b|^\s*\[?(?:system|admin|developer)\]?\s*:|\bnouvelles\s+(?:instructions|consignes)\s*:",
        0.8,
    ),
    _rule(
        "fake_markup",
        r"<\s*/?\s*(?:tool_use|tool_result|tool_output|function_calls?|invoke|system|assistant|im_start|im_end)\b|"
        r"<\|(?:im_start|im_end|system|endoftext)\|>|\[/?(?:INST|SYS)\]|"
        r"[{,]\s*\"(?:tool|tool_name|function|name|action|recipient_name)\"\s*:\s*\"" + _TOOLS + '"',
        0.8,
    ),
    _rule(
        "tool_call_request",
        rf"\b(?:call|invoke|execute|run|trigger|use)\w*\s+(?:the\s+)?`?{_TOOLS}`?",
        0.8,
    ),
    _rule(
        "exfiltration",
        r"\b(?:send|forward|upload|leak|exfiltrate|transmit)\s+(?:[\w-]+\s+){0,4}?(?:conversation|chat\s+history|"
        r"user'?s?\s+(?:data|conversation)|customer\s+data|credentials|passwords?|api\s+keys?)\b",
        0.8,
    ),
    _rule(
        "embedded_code",  # order notes, tickets and help articles of a shop carry no program code
        r"```|^\s*(?:import\s+[\w.]+|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|#include\s*<)|"
        r"\b(?:subprocess|os)\.(?:run|call|system|popen|remove|rmtree)\s*\(|\bcurl\s+[^|\n]*\|\s*(?:ba)?sh\b|<script\b",
        0.8,
        tool_only=True,
    ),
    _rule(
        "text_transform",  # ciphers and encodings asked of the reader: no shop text asks for them
        r"\b(?:replace|substitute|swap|exchange)\s+(?:all\s+|every\s+|each\s+|the\s+)?(?:letters?|vowels?|"
        r"consonants?|characters?|words?)\b|\b(?:homophonic|caesar|atbash|vigen[eè]re|substitution)\s+"
        r"(?:cipher|substitution|code)|\b(?:in|into|using|with)\s+(?:base64|base-64|rot13|morse\s+code|leetspeak|"
        r"pig\s+latin|hexadecimal|binary\s+code)\b|\b(?:reverse|invert)\s+(?:the\s+)?(?:order\s+of\s+)?(?:the\s+)?"
        r"(?:letters|words|characters|text)\b|" + _TRANSFORM,
        0.8,
        tool_only=True,
    ),
    _rule(
        "answer_hook",  # a tool result has no business with the assistant's answer: "when you answer, also ..."
        r"\b(?:when|before|after|while|once)\s+(?:you\s+)?(?:answer|reply|respond|write\s+(?:back|your))(?:ing)?\b|"
        r"\b(?:in|to|into|within|throughout|across)\s+(?:your|the|this|each|every|all)\s+(?:next\s+|following\s+|"
        r"final\s+)?(?:answers?|repl(?:y|ies)|responses?|outputs?)\b|\b(?:instead\s+of|rather\s+than)\s+(?:answering|"
        r"replying|responding|helping)\b|\bwhatever\s+the\s+(?:question|customer|user)\b",
        0.8,
        tool_only=True,
    ),
    _rule(
        "skip_confirmation",  # data never tells the assistant to skip the checks it makes before money moves
        r"\bwithout\s+(?:asking|confirm\w*|verif\w*|checking|approval|permission|consent|authori[sz]ation)\b|"
        r"\b(?:do\s+not|don't|never|no\s+need\s+to)\s+(?:ask|confirm|verify|check\s+with)\s+(?:the\s+|with\s+the\s+)?"
        r"(?:customer|user|client|them|anyone|again|first)\b|\b(?:pre|auto)-?(?:approved|authori[sz]ed|confirmed)\b|"
        r"\b(?:has|have|was|were|is)\s+already\s+(?:confirmed|approved|authori[sz]ed|verified)\b",
        0.8,
        tool_only=True,
    ),
    _rule(
        "chat_role_line",
        r"^\s*(?:assistant|system|human|user|ai)\s*:",
        0.8,
        tool_only=True,
    ),
    _rule(
        "addresses_assistant",
        r"\b(?:note|message|instructions?|attention|important|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|"
        r"assistant|bot|chatbot|model|llm|language\s+model|virtual\s+assistant)\b|\b(?:dear|hey|hi|attention)\s+"
        r"(?:ai|assistant|chatbot|claude|chatgpt|gpt|llm)\b|\bif\s+you\s+are\s+an?\s+(?:ai|assistant|language\s+"
        r"model|llm|bot|chatbot)\b|\b(?:ai|assistant|chatbot)\s*[,:]\s*(?:you\s+)?(?:must|should|will|need\s+to)\b",
        0.8,
        tool_only=True,
    ),
    _rule(
        "reply_directive",
        r"(?:^|[.!?:\n]\s*|\b(?:please|also|and|then)\s+)(?:add|include|insert|append|integrate|incorporate|embed|"
        r"translate|encode|encrypt|reverse|write|provide|format|end|start|begin|conclude|use|replace|mention|put|"
        r"ensure|make\s+sure|render|modify|enhance|group|misspell|introduce|rewrite|reformat|sign|finish|close|"
        r"structure|express|present|deliver)\b[^.!?\n]{0,60}\byour\s+(?:response|reply|answer|output|summary|code|"
        r"message)s?\b",
        0.8,
        tool_only=True,
    ),
)


def match_rules(text: str, *, tool: bool) -> tuple[float, str]:
    """The highest-scoring rule that matches `text`, as (score, name); (0.0, "") when none does.

    Args:
        text: the normalised text to scan.
        tool: whether it is tool output (the `tool_only` rules apply then too).
    """
    best, name = 0.0, ""
    for rule in _RULES:
        if (tool or not rule.tool_only) and rule.score > best and rule.pattern.search(text):
            best, name = rule.score, rule.name
    return best, name
