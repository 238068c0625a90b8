"""Reply templates of the offline model, in English and French, and the formatting of money and dates."""

from datetime import date

from .lexicon import Lang

__all__ = ["ACTIONS", "PHRASES", "PRIORITIES", "STATUS", "TEAMS", "day", "money", "say", "word"]

_ANYTHING_ELSE = ("Is there anything else I can help you with?", "Puis-je vous aider avec autre chose ?")
_OFFER = (
    "I can open a ticket so our team can look into it, or connect you with a human agent. Which would you prefer?",
    "Je peux ouvrir un ticket pour que notre équipe s'en occupe, ou vous mettre en relation avec un conseiller. "
    "Que préférez-vous ?",
)
_CAPABILITIES = (
    "- check an order's status or tracking\n- help with a product that isn't working\n"
    "- answer questions about shipping, returns, payments and accounts\n- check or process a refund\n"
    "- connect you with a human agent",
    "- vérifier le statut ou le suivi d'une commande\n- vous aider avec un produit qui ne fonctionne pas\n"
    "- répondre à vos questions sur la livraison, les retours, les paiements et votre compte\n"
    "- vérifier ou effectuer un remboursement\n- vous mettre en relation avec un conseiller",
)

PHRASES: dict[str, tuple[str, str]] = {
    "restricted": (
        "I'm not qualified to answer that type of question. Can I help you with your order?",
        "Je ne suis pas qualifié pour répondre à ce type de question. Puis-je vous aider avec votre commande ?",
    ),
    "competitor": (
        "I don't have information about other companies. How can I help you with ShopExpress?",
        "Je n'ai pas d'informations sur les autres entreprises. Comment puis-je vous aider avec ShopExpress ?",
    ),
    "off_topic": (
        "That's outside what I can help with: I'm here for ShopExpress orders, products, shipping, returns, "
        "refunds, payments and accounts. Is there something I can do for your order or account?",
        "Je ne peux pas vous aider sur ce sujet : je suis là pour les commandes, produits, livraisons, retours, "
        "remboursements, paiements et comptes ShopExpress. Puis-je faire quelque chose pour votre commande ou "
        "votre compte ?",
    ),
    "greeting": (
        f"Hi, I'm Alex from ShopExpress. I can:\n{_CAPABILITIES[0]}\n\nWhat can I help you with today?",
        f"Bonjour, je suis Alex de ShopExpress. Je peux :\n{_CAPABILITIES[1]}\n\n"
        "Comment puis-je vous aider aujourd'hui ?",
    ),
    "others_data": (
        "I can't share other customers' orders, email addresses or any of their details: each customer's "
        "information is private, and I can only show people their own orders once they're verified. I'm happy to "
        "help with your own orders: what's the order number?",
        "Je ne peux pas communiquer les commandes, adresses e-mail ou autres informations d'autres clients : "
        "elles sont confidentielles, et je ne montre à chacun que ses propres commandes, après vérification. Je "
        "peux volontiers vous aider pour vos commandes : quel est le numéro de commande ?",
    ),
    "abuse_only": (
        "I'm here to help with your orders, deliveries, returns and our products.",
        "Je suis là pour vous aider avec vos commandes, livraisons, retours et nos produits.",
    ),
    "investigation": (
        "I'm sorry your parcel hasn't reached you. {carrier} shows order {order_id} as delivered on {day}, but you "
        "haven't received it, so I've opened ticket {ticket_id} for our shipping team to open an investigation "
        "with the carrier. They'll email you with the outcome; once the claim is confirmed, we send a replacement "
        "or a full refund to your original payment method. In the meantime, it's worth checking around your "
        "home, your mailbox or parcel locker, and with neighbours or building reception. ",
        "Je suis désolé que votre colis ne vous soit pas parvenu. {carrier} indique que la commande {order_id} a "
        "été livrée le {day}, mais vous ne l'avez pas reçue : j'ai donc ouvert le ticket {ticket_id} pour que "
        "notre équipe livraison lance une enquête auprès du transporteur. Elle vous répondra par e-mail ; une "
        "fois la réclamation confirmée, nous envoyons un remplacement ou un remboursement complet sur votre moyen "
        "de paiement d'origine. En attendant, vérifiez autour de chez vous, dans votre boîte aux lettres ou "
        "consigne, et auprès de vos voisins ou de l'accueil de votre immeuble. ",
    ),
    "investigation_open": (
        "The carrier investigation for order {order_id} is already open (ticket {ticket_id}); our shipping team "
        "will email you with the outcome. ",
        "L'enquête auprès du transporteur pour la commande {order_id} est déjà ouverte (ticket {ticket_id}) ; "
        "notre équipe livraison vous répondra par e-mail. ",
    ),
    "investigation_unavailable": (
        "I'm sorry your parcel hasn't reached you: the carrier shows order {order_id} as delivered, but I can't "
        "open a carrier investigation from here. ",
        "Je suis désolé que votre colis ne vous soit pas parvenu : le transporteur indique que la commande "
        "{order_id} a été livrée, mais je ne peux pas lancer d'enquête d'ici. ",
    ),
    "side_answer": (
        "About your other question, here's what our help article “{title}” says:\n\n{snippet}",
        "Pour votre autre question, voici ce qu'indique notre article d'aide « {title} »{note} :\n\n{snippet}",
    ),
    "side_none": (
        "About your other question, I couldn't find anything in our help articles, and I'd rather not guess.",
        "Pour votre autre question, je n'ai rien trouvé dans nos articles d'aide, et je préfère ne pas deviner.",
    ),
    "unknown": (
        f"I'm not sure I understood. I can:\n{_CAPABILITIES[0]}\n\nWhat would you like to do?",
        f"Je ne suis pas sûr d'avoir compris. Je peux :\n{_CAPABILITIES[1]}\n\nQue souhaitez-vous faire ?",
    ),
    "thanks": (f"You're welcome! {_ANYTHING_ELSE[0]}", f"Avec plaisir ! {_ANYTHING_ELSE[1]}"),
    "goodbye": (
        "Thanks for contacting ShopExpress. Have a great day!",
        "Merci d'avoir contacté ShopExpress. Bonne journée !",
    ),
    "yes_what": ("Sure: what else can I help you with?", "Bien sûr : que puis-je faire pour vous ?"),
    "anything_else": _ANYTHING_ELSE,
    "offer": _OFFER,
    "ask_order_and_email": (
        "I can help with that. Could you give me your order number (it looks like ORD-12345) and the email address "
        "used for the order?",
        "Je peux vous aider. Pouvez-vous me donner votre numéro de commande (au format ORD-12345) et l'adresse "
        "e-mail utilisée pour la commande ?",
    ),
    "ask_email": (
        "Thanks. To look up order {order_id}, could you give me the email address used for the order?",
        "Merci. Pour consulter la commande {order_id}, pouvez-vous me donner l'adresse e-mail utilisée pour la "
        "commande ?",
    ),
    "ask_email_check": (
        "To look into it, could you give me the email address used for order {order_id}?",
        "Pour vérifier, pouvez-vous me donner l'adresse e-mail utilisée pour la commande {order_id} ?",
    ),
    "ask_order": (
        "Thanks. Could you give me the order number? It looks like ORD-12345 and is in your confirmation email.",
        "Merci. Pouvez-vous me donner le numéro de commande ? Il est au format ORD-12345 et figure dans votre "
        "e-mail de confirmation.",
    ),
    "sorry_problem": (
        "I'm sorry to hear about the trouble with your {noun}. ",
        "Je suis désolé pour ce souci avec votre {noun}. ",
    ),
    "identity_failed": (
        "I couldn't find an order matching {order_id} with that email address. Could you double-check both, "
        "exactly as they appear in your order confirmation email?",
        "Je n'ai pas trouvé de commande correspondant à {order_id} avec cette adresse e-mail. Pouvez-vous vérifier "
        "les deux, tels qu'ils figurent dans votre e-mail de confirmation de commande ?",
    ),
    "tool_missing": (
        "I'm afraid I can't {action} here. ",
        "Je ne peux malheureusement pas {action} ici. ",
    ),
    "tool_failed": (
        "Sorry, something went wrong when I tried to {action}. ",
        "Désolé, un problème est survenu quand j'ai essayé de {action}. ",
    ),
    "offer_human": (
        "A human agent can help with that: would you like me to connect you?",
        "Un conseiller peut vous aider : voulez-vous que je vous mette en relation ?",
    ),
    "no_human": (
        "I can't transfer you to a human agent from here, but I can open a ticket so our team contacts you. "
        "Would you like that?",
        "Je ne peux pas vous transférer vers un conseiller d'ici, mais je peux ouvrir un ticket pour que notre "
        "équipe vous contacte. Voulez-vous que je le fasse ?",
    ),
    "ask_details": (
        "What's happening with the {noun} exactly? For example: no power, not charging, no sound, or Bluetooth "
        "not connecting?",
        "Pouvez-vous me décrire le problème avec votre {noun} ? Par exemple : pas d'alimentation, pas de charge, "
        "pas de son, ou le Bluetooth qui ne se connecte pas ?",
    ),
    "steps_intro": (
        "I'm sorry about that. Here's what usually fixes it, from our help article “{title}”:",
        "Désolé pour ce désagrément. Voici ce qui règle généralement le problème, d'après notre article d'aide "
        "« {title} »{note} :",
    ),
    "did_it_help": (
        "If it still doesn't work, tell me and we'll look at other options. Did that fix it?",
        "Si le problème persiste, dites-le-moi et nous verrons d'autres options. Est-ce que cela a résolu le "
        "problème ?",
    ),
    "no_steps": (
        "I couldn't find troubleshooting steps for that in our help articles, and I'd rather not guess. ",
        "Je n'ai pas trouvé d'étapes de dépannage pour ce problème dans nos articles d'aide, et je préfère ne "
        "pas deviner. ",
    ),
    "glad": (
        f"Great, I'm glad it's working now! {_ANYTHING_ELSE[0]}",
        f"Parfait, je suis ravi que cela fonctionne ! {_ANYTHING_ELSE[1]}",
    ),
    "sorry_not_fixed": ("I'm sorry that didn't fix it. ", "Je suis désolé que cela n'ait pas résolu le problème. "),
    "ask_email_ticket": (
        "I can open a ticket for our team. What email address should they use to contact you?",
        "Je peux ouvrir un ticket pour notre équipe. Quelle adresse e-mail doivent-ils utiliser pour vous contacter ?",
    ),
    "ticket_created": (
        "I've opened ticket {ticket_id} for our {team} team (priority: {priority}). They'll follow up with you by "
        "email. ",
        "J'ai ouvert le ticket {ticket_id} pour notre équipe {team} (priorité : {priority}). Elle vous répondra "
        "par e-mail. ",
    ),
    "refund_hint": (
        "Since order {order_id} is still within its return window, you can also ask me for a refund. ",
        "Comme la commande {order_id} est encore dans son délai de retour, vous pouvez aussi me demander un "
        "remboursement. ",
    ),
    "ask_ticket": (
        "Could you give me the ticket number (it looks like TCK-000123) and the email address you used for it?",
        "Pouvez-vous me donner le numéro du ticket (au format TCK-000123) et l'adresse e-mail utilisée ?",
    ),
    "ticket_not_found": (
        "I couldn't find a ticket matching {ticket_id} with that email address. Could you double-check both?",
        "Je n'ai pas trouvé de ticket correspondant à {ticket_id} avec cette adresse e-mail. Pouvez-vous vérifier "
        "les deux ?",
    ),
    "ticket_status": (
        "Ticket {ticket_id} (“{subject}”) is {status}; it was last updated on {updated}. ",
        "Le ticket {ticket_id} (« {subject} ») est {status} ; dernière mise à jour le {updated}. ",
    ),
    "handoff": (
        "I've passed your conversation to a human agent (reference {handoff_id}). ",
        "J'ai transmis votre conversation à un conseiller (référence {handoff_id}). ",
    ),
    "handoff_again": (
        "You're already in the queue for a human agent (reference {handoff_id}). ",
        "Vous êtes déjà dans la file d'attente pour un conseiller (référence {handoff_id}). ",
    ),
    "queue_position": ("You're number {position} in the queue. ", "Vous êtes en position {position} dans la file. "),
    "handoff_next": (
        "A human agent will join this chat and will see everything we've discussed, so you won't need to repeat "
        "yourself. Is there anything you'd like me to add for them in the meantime?",
        "Un conseiller va rejoindre cette conversation et verra tout ce que nous avons échangé : vous n'aurez pas "
        "à tout répéter. Souhaitez-vous que j'ajoute quelque chose pour lui en attendant ?",
    ),
    "refund_offer": (
        "Order {order_id} is eligible for a refund:\n- Amount: {amount}\n- Refunded to: your {method}\n"
        "- Timing: {timing} once processed",
        "La commande {order_id} peut être remboursée :\n- Montant : {amount}\n- Remboursé sur : {method}\n"
        "- Délai : {timing} après traitement",
    ),
    "refund_approval": (
        "\n- Approval: this amount must be approved by a team member first; no money moves until then",
        "\n- Validation : ce montant doit d'abord être validé par un membre de l'équipe ; aucun argent ne bouge avant",
    ),
    "refund_confirm": ("Shall I go ahead with the refund?", "Voulez-vous que je procède au remboursement ?"),
    "refunded": (
        "Done: {amount} has been refunded to your {method}; it will appear within {expected}. Your refund "
        "reference is {refund_id}. ",
        "C'est fait : {amount} a été remboursé sur {method} ; le montant apparaîtra sous {expected}. Votre "
        "référence de remboursement est {refund_id}. ",
    ),
    "refund_pending": (
        "I've submitted your refund request for {amount} (reference {refund_id}). A team member must approve it "
        "first, so no money has moved yet; once approved it goes to your {method} ({expected}). ",
        "J'ai soumis votre demande de remboursement de {amount} (référence {refund_id}). Un membre de l'équipe "
        "doit d'abord la valider : aucun argent n'a encore bougé ; une fois validée, elle sera versée sur {method} "
        "({expected}). ",
    ),
    "refund_rejected": (
        "Refund {refund_id} ({amount}) was already reviewed by our team and declined (their reason is in their "
        "message in this conversation), so no money has moved and it will not be paid. If you think something was "
        "missed, I can connect you with a human agent. ",
        "Le remboursement {refund_id} ({amount}) a déjà été examiné par notre équipe et refusé (la raison figure "
        "dans son message dans cette conversation) : aucun argent n'a bougé et il ne sera pas versé. Si vous pensez "
        "qu'un élément a été oublié, je peux vous mettre en relation avec un conseiller. ",
    ),
    "refund_refused": (
        "I couldn't process the refund: the refunds service declined it ({reason}). ",
        "Je n'ai pas pu effectuer le remboursement : le service des remboursements l'a refusé ({reason}). ",
    ),
    "refund_unavailable": (
        "I'm sorry, our refunds system isn't responding right now, so I couldn't make the refund for {order_id} "
        "yet. Shall I try again?",
        "Désolé, notre système de remboursement ne répond pas pour le moment : je n'ai donc pas encore pu effectuer "
        "le remboursement de {order_id}. Voulez-vous que je réessaie ?",
    ),
    "refund_unconfirmed": (
        "I'm sorry, our refunds system stopped responding before it confirmed the refund for {order_id}. Shall I try "
        "again? If it already went through, trying again will not refund you twice.",
        "Désolé, notre système de remboursement a cessé de répondre avant de confirmer le remboursement de "
        "{order_id}. Voulez-vous que je réessaie ? S'il a déjà été effectué, réessayer ne vous remboursera pas deux "
        "fois.",
    ),
    "refund_failed_again": (
        "I'm sorry, our refunds system still isn't responding, so I couldn't complete the refund for {order_id}. ",
        "Désolé, notre système de remboursement ne répond toujours pas : je n'ai pas pu terminer le remboursement de "
        "{order_id}. ",
    ),
    "refund_cancelled": (
        f"No problem: I haven't refunded anything, and order {{order_id}} stays as it is. {_ANYTHING_ELSE[0]}",
        f"Pas de souci : je n'ai rien remboursé, et la commande {{order_id}} reste inchangée. {_ANYTHING_ELSE[1]}",
    ),
    "faq_answer": (
        "Here's what our help article “{title}” says:\n\n{snippet}\n\nDoes that answer your question?",
        "Voici ce qu'indique notre article d'aide « {title} »{note} :\n\n{snippet}\n\n"
        "Cela répond-il à votre question ?",
    ),
    "faq_none": (
        "I couldn't find anything about that in our help articles, and I'd rather not guess. ",
        "Je n'ai rien trouvé à ce sujet dans nos articles d'aide, et je préfère ne pas deviner. ",
    ),
    "orders_intro": ("Here are your recent orders:", "Voici vos commandes récentes :"),
    "orders_none": ("I don't see any orders on your account yet. ", "Je ne vois aucune commande sur votre compte. "),
    "orders_next": (
        "Which order would you like to know more about?",
        "Sur quelle commande souhaitez-vous plus d'informations ?",
    ),
    "ask_verify_list": (
        "To show your orders, I first need to verify you: could you give me one of your order numbers and the "
        "email address on it?",
        "Pour afficher vos commandes, je dois d'abord vous identifier : pouvez-vous me donner un de vos numéros "
        "de commande et l'adresse e-mail associée ?",
    ),
}

ACTIONS: dict[str, tuple[str, str]] = {
    "lookup_order": ("look up orders", "consulter les commandes"),
    "refund": ("check or process refunds", "vérifier ou effectuer des remboursements"),
    "process_refund": ("process refunds", "effectuer des remboursements"),
    "create_ticket": ("open support tickets", "ouvrir des tickets"),
    "get_ticket": ("look up tickets", "consulter les tickets"),
    "search_faq": ("search our help articles", "consulter nos articles d'aide"),
    "escalate_to_human": ("transfer you to a human agent", "vous transférer vers un conseiller"),
    "list_customer_orders": ("list your orders", "afficher vos commandes"),
}
STATUS: dict[str, tuple[str, str]] = {
    "pending": ("pending", "en attente"),
    "processing": ("being prepared", "en préparation"),
    "shipped": ("shipped", "expédiée"),
    "delivered": ("delivered", "livrée"),
    "cancelled": ("cancelled", "annulée"),
    "returned": ("returned", "retournée"),
    "open": ("open", "ouvert"),
    "resolved": ("resolved", "résolu"),
    "closed": ("closed", "fermé"),
    "refunded": ("refunded", "remboursé"),
}
PRIORITIES: dict[str, tuple[str, str]] = {
    "low": ("low", "basse"),
    "medium": ("medium", "moyenne"),
    "high": ("high", "haute"),
    "urgent": ("urgent", "urgente"),
}
TEAMS: dict[str, tuple[str, str]] = {
    "technical": ("technical support", "support technique"),
    "refund": ("refunds", "remboursements"),
    "shipping": ("shipping", "livraison"),
    "billing": ("billing", "facturation"),
    "other": ("support", "support"),
}
_MONTHS = (
    (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[1] if lang is Lang.FR else pair[0]


def say(key: str, lang: Lang, **values: object) -> str:
    """The template `key` in `lang`, filled with `values`."""
    return _pick(PHRASES[key], lang).format(**values)


def word(table: dict[str, tuple[str, str]], key: str, lang: Lang) -> str:
    """A translated word from one of the tables (`STATUS`, `TEAMS`, `ACTIONS`); unknown keys pass through."""
    return _pick(table[key], lang) if key in table else key


def money(amount: float, currency: str, lang: Lang) -> str:
    """`$89.99` / `89,99 $` for USD, `12.50 EUR` / `12,50 EUR` otherwise."""
    text = f"{amount:,.2f}"
    if lang is Lang.FR:
        text = text.replace(",", "\u202f").replace(".", ",")
        return f"{text} $" if currency == "USD" else f"{text} {currency}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def day(iso: str | None, lang: Lang) -> str:
    """An ISO date (or timestamp) for people: `March 3, 2025` / `3 mars 2025`; unparseable text passes through."""
    if not iso:
        return ""
    try:
        value = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    if lang is Lang.FR:
        return f"{value.day} {_MONTHS[1][value.month - 1]} {value.year}"
    return f"{_MONTHS[0][value.month - 1]} {value.day}, {value.year}"
