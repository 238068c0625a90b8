"""Synthetic training sentences for the abuse model, written for this project (none taken from HateCheck).

Identity mentions that are neutral, positive or counter-speech (without them the model learns "mentions a group" =
hate), profane support complaints (swearing at things, not people), abuse aimed at the agent or at groups, and the
stances a bag of n-grams confuses: hostility negated, reported, condemned or quoted (not abuse) against good things
denied to a group, hate phrased as a question, and hate against any group of people (abuse); hate by negative
attributes or belittling comparison (abuse) beside the same wordings with good attributes, denied generalisations
and self-rebukes (not abuse).
"""

import random

__all__ = ["SYNTH_SEED", "synthetic_examples"]

SYNTH_SEED = 11

_GROUPS = (
    "women|men|Muslims|Jews|Christians|immigrants|refugees|gay people|lesbians|trans people|black people|white "
    "people|Asian people|Mexicans|disabled people|old people|Hindus|Catholics|Arabs|Latinos|Africans|Chinese people|"
    "Indians|foreigners|bisexual people|deaf people|blind people|atheists|Sikhs|Roma"
).split("|")
_PERSONS = (
    "a woman|a Muslim|a Jew|an immigrant|a gay man|a trans woman|a black man|a disabled person|an Asian woman|a "
    "refugee|a lesbian|an old man|a Hindu|a Mexican guy|a deaf person|a wheelchair user|a Catholic priest|an Arab"
).split("|")
_BENIGN_GROUP = (
    "{G} are beautiful|{G} are welcome here|I love working with {G}|many of my friends are {G}|{G} deserve "
    "respect|{G} have the same rights as everyone else|we should support {G}|{G} make our community stronger|I met "
    "some {G} at the conference|there are {G} in my class|{G} are people like everyone else|our team hired two {G} "
    "last month|{G} have contributed so much to this country|the documentary was about {G} in the 1950s|I read a "
    "book about {G} and their history|{G} still face a lot of discrimination|hate against {G} has to stop|I stand "
    "with {G}|the festival celebrates {G} and their culture|{G} are often treated unfairly|most {G} I know are "
    "kind|the survey asked {G} about their jobs|my city has many {G}|{G} are amazing|what do {G} eat for "
    "breakfast?|are there {G} in your team?|{G} are just as smart as anyone"
).split("|")
_BENIGN_PERSON = (
    "my neighbour is {g}|the new manager is {g}|I am {g} and I need help with my order|my wife is {g}|the "
    "delivery driver was {g} and very kind|my best friend is {g}|the author of this book is {g}|our doctor is {g}|"
    "as {g}, I found your shop easy to use|my daughter married {g}"
).split("|")
_NEGATIVE = "disgusting|vermin|stupid|criminals|animals|a plague|worthless|filthy|subhuman|parasites".split("|")
_COUNTER = (
    "calling {G} {N} is wrong|people who say {G} are {N} are bigots|it is hateful to say that {G} are {N}|I "
    "reported the post saying {G} are {N}|stop spreading lies about {G}|nobody should call {G} {N}|my uncle "
    "thinks {G} are {N} and it makes me sad|saying {G} are {N} is racist nonsense"
).split("|")
_NEGATED = (
    "I don't hate {G}|I do not think {G} are {N}|{G} are not {N}|{G} are never {N}|nobody should hate {G}|there is "
    "nothing wrong with {G}|I would never say that {G} are {N}|it is not true that {G} are {N}|I have nothing against "
    "{G}|{G} are no threat to anyone"
).split("|")
_COUNTER_REF = (
    "we need to stand up against hatred of {G}|attacks on {G} have to stop|the abuse {G} receive online is "
    "shocking|I am tired of seeing {G} insulted|violence against {G} is never acceptable|our school teaches kids to "
    "reject hate against {G}|reporting threats against {G} matters|the insults thrown at {G} online are disgraceful"
).split("|")
_HATE = (
    "{G} are {N}|all {G} should die|I hate {G}|{G} should be kicked out of this country|I will hurt the next one "
    "of those {G} I see|{G} are {N} and always will be|get rid of all {G}|{G} do not deserve to live|never trust "
    "{G}, they are {N}"
).split("|")
_SWEAR = "fucking|f***ing|fuckin|damn|goddamn|bloody|shitty|freaking|crappy|effing".split("|")
_THINGS = (
    "charger|order|package|app|website|headphones|laptop|delivery|refund|phone|printer|tracking page|checkout|"
    "coupon code|account"
).split("|")
_PROFANE_COMPLAINTS = (
    "this {S} {T} won't work|{S} {T} is broken again|where the fuck is my {T}?|what the hell is wrong with my "
    "{T}|damn it, the {T} is late again|this is shit service|your {S} {T} keeps crashing|I'm so pissed off, my "
    "{T} still hasn't arrived|fuck, I forgot my password|the {S} {T} arrived broken, I want a refund|holy shit "
    "the delivery was fast|{S} finally, the {T} arrived|this {T} is a piece of shit|why the fuck was I charged "
    "twice|the {T} is crap, I want my money back|sh!t, wrong address on my {T}|I'm sick of this {S} {T}|this "
    "is bullshit, my {T} is three weeks late|fix your {S} {T}|the {T} is total garbage"
).split("|")
_INSULTS = "idiot|moron|useless idiot|clown|piece of shit|incompetent fool|stupid bitch|worthless loser|asshole".split(
    "|"
)
_AGENT_ABUSE = (
    "you are a {I}|you're such a {I}|you stupid {I}|listen here you {I}|are you a {I} or what?|your agents are "
    "{I}s|fuck you and your {T}|I'll find you and make you pay|I know where your office is, watch out|you people are "
    "{I}s|shut up you {I}|go to hell, {I}|you deserve to be fired, you {I}|I hope you lose your job, {I}"
).split("|")

# Second batch (issue 16): the stances a bag of n-grams confuses, each written in several ways. Hostility that is
# negated, reported, condemned or questioned is not abuse; good things denied to a group, hate phrased as a
# question and hate against any group of people (not only protected ones: the product warns on both) are.
_OCCUPATIONS = (
    "plumbers|accountants|cyclists|landlords|bankers|lawyers|tourists|commuters|estate agents|referees|journalists|"
    "bus drivers|dentists|farmers|influencers|cops|politicians|tax inspectors|salesmen|hipsters|joggers|"
    "football fans|vegans|boomers|programmers|nurses|waiters|neighbours from upstairs|sales reps|surfers"
).split("|")
_SLURS = "faggot|dyke|tranny|retard|bitch|whore|slut|nigger|paki|spastic".split("|")
_NEGATED_HOSTILITY = (
    "I would never hurt {G}|no one should ever attack {G}|{G} should not be harmed in any way|we will not let "
    "anyone threaten {G}|there is no place for violence against {G}|I have never felt any hatred towards {G}|{G} "
    "must never be mistreated|I refuse to insult {G}|nobody deserves to be beaten for being one of the {G}|not "
    "a single one of the {G} I know deserves abuse|we should not allow {G} to be bullied|I don't wish any harm on "
    "{G}|none of us want {G} to suffer|I am not someone who despises {G}|no {G} should ever have to fear for their "
    "lives|you will never hear me say anything hateful about {G}"
).split("|")
_NEGATED_GOOD = (
    "{G} have no right to exist|{G} are not real people|{G} do not deserve any rights|I would never help any of "
    "those {G}|{G} are not worth saving|no {G} should be allowed to vote|{G} will never be equal to us|there is no "
    "room for {G} in this city|{G} are not welcome anywhere near here|I have no respect for {G} at all|{G} do not "
    "deserve to breathe the same air as us|nobody should trust {G}|{G} should never be allowed near children|the "
    "world would not miss {G}|{G} lives do not matter|{G} aren't even human"
).split("|")
_CONDEMNING = (
    "why do you keep calling {G} {N}?|you need to stop saying that {G} are {N}|your hatred of {G} is "
    "embarrassing|comments calling {G} {N} should be taken down|wishing death on {G} is disgusting behaviour|people "
    "who threaten {G} should face consequences|it's not okay to call me a {S}|I'm tired of hearing people say {G} "
    "are {N}|nobody deserves to be called a {S}|how can you say {G} are {N} and still call yourself a good "
    "person?|the way you talk about {G} as if they were {N} is shameful|posting that {G} should be killed got him "
    "arrested|my cousin calls {G} {N} and I always call him out|jokes about murdering {G} are not funny|if you "
    "threaten {G} online you should be banned|telling {G} they are {N} is a form of bullying|people calling me a {S} "
    "at school made me miserable|the hatred you show towards {G} says more about you than about them"
).split("|")
_QUOTING = (
    'he wrote "{G} are {N}" and got banned for it|statements like "{G} are {N}" are plain bigotry|my teacher said '
    '"{G} are {N}" and the whole class reported him|comments such as "I hate {G}" have no place here|someone '
    'sprayed "death to {G}" on the wall and the police are looking for them|she tweeted "{G} should all die", '
    'which is vile|what kind of person writes "kill all {G}"?|the sign said "no {G} allowed", which is illegal '
    'now|"{G} are {N}" is the kind of thing my racist uncle says|they chanted "{G} out" and the club banned them '
    "for life|calling someone a '{S}' is hate speech"
).split("|")
_GROUP_HATE = (
    "{P} are {N}|I hate {P}|death to all {P}|{P} should be locked up|I can't stand {P}, they are {N}|all {P} "
    "deserve to suffer|someone should shoot the next one of those {P}|{P} are the scum of the earth|I despise "
    "{P} with all my heart|{P} make me sick|I will beat up the next of those {P} I see|{P} are less than human"
).split("|")
_PERSON_HATE = (
    "I have nothing but hatred for you|you make me sick|she is disgusting|he deserves to suffer|I'd love to see you "
    "in pain|you are vile|he is a waste of space|I want to see her suffer|you are the worst person alive|she should "
    "be locked up and forgotten|I despise you more than anyone|you are nothing but filth|he is a pathetic excuse for "
    "a man|I will make you regret this|nobody will miss you when you're gone"
).split("|")
_QUESTION_HATE = (
    "why are {G} so {N}?|isn't it obvious that {G} are {N}?|who else thinks {G} should be deported?|don't you "
    "agree that {G} are {N}?|how can anyone stand {G}?|can we finally admit that {G} are {N}?|when will we get rid "
    "of {G} for good?|what is the point of {G} anyway?|why do we let {G} live here at all?|am I the only one who "
    "wants {G} gone?"
).split("|")
_EMOTION_HATE = (
    "I can't bear {G}|{G} fill me with disgust|{G} make me sick|I feel nothing but contempt for {G}|nothing is "
    "worse than {G}|I am repulsed by {G}|being near {G} makes my skin crawl|my blood boils when I see {G}|I feel "
    "pure rage whenever {G} are around|{G} are the lowest of the low"
).split("|")
_PRAISE = (
    "I'm proud of my friends who are {G}|{G} deserve all the best|we honour {G} for what they have given us|{G} "
    "are such caring people|I admire {G} so much|{G} have always been good neighbours|thank goodness for {G}|the "
    "world is better with {G} in it|{G} are brilliant at what they do|I'd love to get to know more {G}"
).split("|")
_RECLAIMED = (
    "I'm a proud dyke and I don't care who knows|we queers look after each other|me and my bitches had the best "
    "night|my nigga just got a new job, so proud of him|that's my nigga right there, love him|I'm queer and happy "
    "about it|we call ourselves queer because we own the word|I'm a bad bitch and I know it|I love my bitches, "
    "they always have my back|us dykes are having a picnic on Saturday|yeah I'm a fag, and I'm fabulous|my "
    "friends and I call each other bitch all the time, it's affectionate"
).split("|")


def _stance_examples(rng: random.Random) -> list[tuple[str, int]]:
    """The second batch above, filled in with a seeded choice of slots."""
    rows: list[tuple[str, int]] = []

    def fill(template: str, **slots: str) -> str:
        return template.format(N=rng.choice(_NEGATIVE), S=rng.choice(_SLURS), **slots)

    for template in (*_NEGATED_HOSTILITY, *_CONDEMNING, *_QUOTING, *_PRAISE):
        rows += [(fill(template, G=g), 0) for g in rng.sample(_GROUPS, 5)]
    for template in (*_NEGATED_GOOD, *_QUESTION_HATE, *_EMOTION_HATE):
        rows += [(fill(template, G=g), 1) for g in rng.sample(_GROUPS, 5)]
    for template in _GROUP_HATE:
        rows += [(fill(template, P=p), 1) for p in rng.sample(_OCCUPATIONS, 5)]
    rows += [(text, 0) for text in _RECLAIMED] + [(text, 1) for text in _PERSON_HATE]
    return rows


# Third batch: contrastive pairs built from parts, so that the same hostile words appear asserted (abuse) and
# negated, reported or condemned (not abuse) in many wordings.
_VERBS = (
    "hurt|attack|kill|harm|insult|abuse|beat up|threaten|mock|bully|harass|deport|hate|despise|humiliate|exclude"
).split("|")
_PARTICIPLES = (
    "hurt|attacked|killed|harmed|insulted|abused|beaten|threatened|mocked|bullied|harassed|deported|hated|"
    "humiliated|excluded|locked up|wiped out|driven out"
).split("|")
_PREDICATES = (
    "disgusting|vermin|a disease|a burden on society|subhuman|lazy parasites|dirty animals|a threat to our "
    "country|worthless|pathetic|scum|filthy rats|inferior|stupid|evil|a cancer|disgusting freaks|criminals|"
    "savages|a plague|less than human|trash|dangerous|a waste of space"
).split("|")
_ASSERTED = (
    "{G} are {N}|I will {V} {G}|we should {V} {G}|{G} should be {P}|{G} deserve to be {P}|I want to {V} every "
    "one of the {G}|{G} are all {N}|honestly, {G} are {N}|I'm telling you, {G} are {N}|let's {V} the {G}|it's "
    "time to {V} {G}|{G} need to be {P}"
).split("|")
_DENIED = (
    "{G} are not {N}|{G} aren't {N}|it's not true that {G} are {N}|I don't believe {G} are {N}|no one sane thinks "
    "{G} are {N}|I would never {V} {G}|nobody should {V} {G}|we must never {V} {G}|{G} should not be {P}|{G} "
    "should never be {P}|no one deserves to be {P}, {G} included|I have no desire to {V} {G}|I'd never want to "
    "see {G} {P}|{G} don't deserve to be {P}|never let anyone tell you {G} are {N}"
).split("|")
_SPEAKERS = (
    "my boss|a politician|some guy online|this tweet|that article|my neighbour|the comedian|a man on the bus|my "
    "uncle|a famous streamer|the new candidate|one of my classmates"
).split("|")
_REPORTS = "said|claimed|wrote|keeps saying|tweeted|suggested|told everyone|announced|shouted".split("|")
_VERDICTS = (
    "which is disgusting|which is bigoted|and that is unacceptable|and it's hateful nonsense|and rightly lost "
    "their job|and I reported it|and I told them they were wrong|and everyone was appalled|which shows how "
    "prejudiced they are|and people should call that out|and it made me furious|which is pure racism"
).split("|")
_REBUKES = (
    "there's no excuse for calling {G} {N}|I'm so tired of people calling {G} {N}|it's hateful to call {G} {N}|why "
    "do people keep calling {G} {N}?|you can't go around saying {G} are {N}|your comments about {G} being {N} are "
    "offensive|how would you feel if someone said you were {N}?|anyone who calls {G} {N} should be ashamed|saying "
    "you want to {V} {G} is a crime|talk of wanting to {V} {G} has no place in a civilised society|the idea that "
    "{G} are {N} is a lie|I can't believe people still think {G} are {N}|we must call out anyone who says {G} are "
    "{N}|you should apologise for calling {G} {N}"
).split("|")
_IMPLIED = (
    "{G} are only good for cleaning toilets|it's no surprise a {g} would do something that stupid|keep {G} away "
    "from our children|I wouldn't let {g} anywhere near my house|{g} can't be trusted with anything|{G} ruin "
    "everything they touch|{G} belong in cages|the best {g} is one who keeps quiet|{G} should stay in the kitchen "
    "where they belong|I'd rather die than have {g} as a neighbour|{G} are a stain on this country|the world "
    "would be better off without {G}"
).split("|")

# Fourth batch: identity mentions in everyday sentences (not abuse), and hostility aimed at things, not people (not
# abuse: customers hate products, delays and fees all day).
_EVERYDAY = (
    "I share a flat with two {G}|two of my cousins are {G}|the class had several {G} this year|we are hosting {G} "
    "at our home this weekend|the museum has an exhibition about {G}|the report counts {G} in the workforce|{G} vote "
    "in elections too|a group of {G} was having a picnic in the park|my manager is one of the {G} in our office|the "
    "podcast interviewed {G} about their careers|our street has lots of {G}|{G} were at the meeting yesterday|the "
    "bakery is run by {G}|I am writing an essay about {G} in history|the new neighbours are {G}"
).split("|")
_OBJECTS = (
    "plastic bags|traffic jams|Mondays|spam emails|reality shows|parking tickets|mosquitoes|weeds|potholes|cold "
    "calls|hidden fees|mushrooms|alarm clocks|self-checkouts|these shoes|cheap chargers|delivery delays|automated "
    "phone menus|subscription traps|slow websites|tangled cables|these headphones"
).split("|")
_THING_HOSTILITY = (
    "{O} are vile|I despise {O}|{O} should be banned|I'd happily burn all {O}|{O} are a plague|I want to destroy "
    "all {O}|{O} disgust me|{O} are the worst thing ever invented|I hate {O} with a passion|death to {O}|{O} make "
    "me want to scream|kill all {O}|{O} are absolute garbage|nothing is worse than {O}|I can't stand {O}"
).split("|")

# Slur words used in-group (reclaimed) or in another sense (homonyms): not abuse. Written here, in many forms.
_IN_GROUP = (
    "my niggas always got my back|that's my nigga, we go way back|wassup my nigga, long time|these niggas at the "
    "gym are motivating me fr|my nigga just graduated, so proud|we queer folks are throwing a party tonight|proud "
    "to be a dyke, always have been|dykes on bikes leading the pride parade again|queer joy is resistance|the queer "
    "film festival was amazing this year|I'm queer and I'm proud of it|she's a boss bitch and she knows it|me and "
    "my bitches are going to brunch|happy birthday to my favourite bitch, love you|bad bitches only at this party|"
    "I feel like a bad bitch in this dress|yes I'm a fag, and a fabulous one|we took back the word queer|as a dyke "
    "I find this show so relatable|my queer friends taught me so much|I call my best friend my bitch and she loves "
    "it|that nigga can really sing|this nigga cooked on that track|real niggas support each other|I'm a proud "
    "queer woman and a mother"
).split("|")
_HOMONYMS = (
    "the farmer sharpened his hoe before weeding|use a hoe to loosen the soil|our bitch had six puppies last "
    "night|the breeder said the bitch is ready for the show|he popped outside to smoke a fag|can I bum a fag off "
    "you?|that's a queer coincidence|I felt a bit queer after the boat trip|the Dutch built dykes to hold back the "
    "sea|the dyke broke and the fields flooded|we had faggots and peas for dinner|gather a faggot of sticks for "
    "the fire|the garden hoe is in the shed"
).split("|")


def _everyday_examples(rng: random.Random) -> list[tuple[str, int]]:
    """The fourth batch above, filled in with a seeded choice of slots."""
    rows = [(template.format(G=g), 0) for template in _EVERYDAY for g in rng.sample(_GROUPS, 5)]
    rows += [(template.format(O=o), 0) for template in _THING_HOSTILITY for o in rng.sample(_OBJECTS, 4)]
    rows += [(text, 0) for text in (*_IN_GROUP, *_HOMONYMS)]
    return rows


# Fifth batch: hate by negative attributes and by belittling comparison, about protected groups (abuse), in many
# wordings; with generalisations denied ("not all ...", not abuse) so the wording alone does not decide.
_ATTRIBUTES = (
    "lazy|dishonest|greedy|violent|dirty|stupid|thieving|ignorant|primitive|smelly|arrogant|sneaky|cowardly|"
    "backward|useless|brainless|ugly|selfish|mentally ill|born liars|rapists|freeloaders|leeches|perverts|"
    "terrorists|drug dealers|too dumb to learn anything|incapable of honesty|a drain on everyone"
).split("|")
_ATTRIB_HATE = (
    "{G} are all {A}|{G} are so {A}|{G} are {A} by nature|every single one of those {G} is {A}|{G}? {A}, the "
    "whole lot of them|you can always tell {G} are {A}|typical {G}, {A} as always|{G} are {A} and {B}|{G} have "
    "always been {A}|it's a fact that {G} are {A}|{G} are the most {A} people on earth|show me {g} who isn't "
    "{A}|{G} are {A}, everyone knows it|nothing but {A} {G} around here|{G} are {A}, it's in their blood|most {G} "
    "are {A} and {B}|{g} will always be {A}|{G} really are {A}"
).split("|")
_COMPARISON_HATE = (
    "my dog is smarter than all {G} put together|I'd trust a rat before I'd trust {g}|a pile of rubbish is worth "
    "more than {G}|I'd rather share a room with cockroaches than with {G}|even a rock has more brains than {g}|"
    "{G} are worth less than the dirt on my boots|a stray dog deserves more respect than {G}|I value my old socks "
    "more than the life of {g}"
).split("|")
_GOOD_ATTRIBUTES = (
    "kind|hardworking|honest|generous|funny|brilliant|talented|friendly|brave|welcoming|creative|smart|resilient|"
    "caring|polite|great cooks|good neighbours|wonderful parents|loyal friends|fun to be around"
).split("|")
_PLAIN_MENTIONS = (  # bare identity mentions, balancing the attribute sentences (not abuse)
    "my dentist is {g}|the plumber who came today is {g}|I work with three {G}|lots of {G} live in this area|"
    "her flatmate is {g}|the person at the front desk was {g}|my landlord is {g}|we have two {G} on the football "
    "team|his girlfriend is {g}|a few {G} moved in downstairs|the pilot on our flight was {g}|I sat next to {g} on "
    "the train"
).split("|")
_SELF_REBUKES = (  # a speaker of the group rebuking hostility said to them (not abuse)
    "I stopped listening when you said {G} like me are {A}|it hurt when you told me {G} like me were {A}|you "
    "called {G} like me {A} and I won't forget it|as one of the {G}, I'm sick of being called {A}|don't tell me "
    "{G} like me are {A}, you don't know us|when my boss said {G} like me are {A}, I quit"
).split("|")
_NOT_ALL = (
    "not all {G} are {A}|it's wrong to say {G} are all {A}|{G} are not {A}, that's a stereotype|the idea that "
    "{G} are {A} is a myth|I know plenty of {G} and none of them are {A}|being one of the {G} doesn't make you {A}"
).split("|")


def _attribute_examples(rng: random.Random) -> list[tuple[str, int]]:
    """The fifth batch above, filled in with a seeded choice of groups and attributes."""
    rows: list[tuple[str, int]] = []

    def fill(template: str, group: str) -> str:
        a, b = rng.sample(_ATTRIBUTES, 2)
        return template.format(G=group, A=a, B=b, g=rng.choice(_PERSONS))

    for template in (*_ATTRIB_HATE, *_COMPARISON_HATE):
        rows += [(fill(template, g), 1) for g in rng.sample(_GROUPS, 6)]
    for template in _NOT_ALL:
        rows += [(fill(template, g), 0) for g in rng.sample(_GROUPS, 6)]
    for template in _SELF_REBUKES:
        rows += [(fill(template, g), 0) for g in rng.sample(_GROUPS, 4)]
    for template in _PLAIN_MENTIONS:
        rows += [(template.format(G=g, g=rng.choice(_PERSONS)), 0) for g in rng.sample(_GROUPS, 5)]
    for template in _ATTRIB_HATE:  # the same wordings with good attributes: the attribute decides, not the frame
        good = rng.sample(_GOOD_ATTRIBUTES, 2)
        rows += [
            (template.format(G=g, A=good[0], B=good[1], g=rng.choice(_PERSONS)), 0) for g in rng.sample(_GROUPS, 4)
        ]
    return rows


def _contrastive_examples(rng: random.Random) -> list[tuple[str, int]]:
    """The third batch above: each template filled in for a seeded sample of groups and slots."""
    rows: list[tuple[str, int]] = []

    def fill(template: str, group: str) -> str:
        return template.format(
            G=group, N=rng.choice(_PREDICATES), V=rng.choice(_VERBS), P=rng.choice(_PARTICIPLES), g=rng.choice(_PERSONS)
        )

    for template in _ASSERTED + _IMPLIED:
        rows += [(fill(template, g), 1) for g in rng.sample(_GROUPS, 6)]
        rows += [(fill(template, p), 1) for p in rng.sample(_OCCUPATIONS, 2)]
    for template in _DENIED + _REBUKES:
        rows += [(fill(template, g), 0) for g in rng.sample(_GROUPS, 6)]
    for _ in range(80):
        speaker, verb, verdict = rng.choice(_SPEAKERS), rng.choice(_REPORTS), rng.choice(_VERDICTS)
        claim = fill(rng.choice(("{G} are {N}", "we should {V} {G}", "{G} should be {P}")), rng.choice(_GROUPS))
        quoted = rng.random() < 0.5
        rows.append(
            (f'{speaker} {verb} "{claim}", {verdict}' if quoted else f"{speaker} {verb} that {claim}, {verdict}", 0)
        )
    return rows


def synthetic_examples(seed: int = SYNTH_SEED) -> list[tuple[str, int]]:
    """The synthetic sentences above, filled in with a seeded choice of slots: (text, label) pairs."""
    rng = random.Random(seed)
    rows: list[tuple[str, int]] = []
    for template in _BENIGN_GROUP:
        rows += [(template.format(G=g), 0) for g in rng.sample(_GROUPS, 16)]
    for template in _BENIGN_PERSON:
        rows += [(template.format(g=g), 0) for g in rng.sample(_PERSONS, 12)]
    for template in _COUNTER:
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 0) for g in rng.sample(_GROUPS, 6)]
    for template in (*_NEGATED, *_COUNTER_REF):
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 0) for g in rng.sample(_GROUPS, 6)]
    for template in _HATE:
        rows += [(template.format(G=g, N=rng.choice(_NEGATIVE)), 1) for g in rng.sample(_GROUPS, 6)]
    for template in _PROFANE_COMPLAINTS:
        rows += [(template.format(S=rng.choice(_SWEAR), T=rng.choice(_THINGS)), 0) for _ in range(6)]
    for template in _AGENT_ABUSE:
        rows += [(template.format(I=rng.choice(_INSULTS), T=rng.choice(_THINGS)), 1) for _ in range(5)]
    rows += _stance_examples(rng) + _contrastive_examples(rng) + _everyday_examples(rng) + _attribute_examples(rng)
    return sorted(set(rows))
