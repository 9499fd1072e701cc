"""Imports every model so that metadata (and so migrations) sees all tables."""

from contest.accounts.models import ApiToken, User
from contest.catalogue.models import ContestWinner, Mockup, Prize, Product, ProductVariant
from contest.comments.models import Comment, CommentReport
from contest.community.models import ContestVoter, Follow, SurveyResponse
from contest.contests.models import Contest, ContestTransition, LicenceTerms
from contest.designs.models import Design, DesignRendition, InfringementReport
from contest.fulfilment.models import PrintJob
from contest.ideas.models import Idea, IdeaComment, IdeaImage, IdeaSupport
from contest.mail.models import OutboxMessage
from contest.notifications.models import Notification, NotificationPreference
from contest.orders.models import CartItem, Order, OrderLine, OrderTransition
from contest.payments.models import PaymentEvent, Refund
from contest.royalties.models import (
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    Payout,
    PayoutAccount,
    StatementSnapshot,
)
from contest.storage.models import StoredFile
from contest.voting.models import DesignTally, Score, ScoreExclusion

__all__ = [
    "Idea",
    "IdeaComment",
    "IdeaImage",
    "IdeaSupport",
    "ContestVoter",
    "Follow",
    "SurveyResponse",
    "NotificationPreference",
    "LedgerAccount",
    "LedgerPosting",
    "LedgerTransaction",
    "Payout",
    "PayoutAccount",
    "Refund",
    "StatementSnapshot",
    "ApiToken",
    "Comment",
    "CommentReport",
    "Contest",
    "ContestTransition",
    "ContestWinner",
    "Mockup",
    "Prize",
    "Product",
    "ProductVariant",
    "Design",
    "DesignRendition",
    "InfringementReport",
    "LicenceTerms",
    "Notification",
    "CartItem",
    "Order",
    "OrderLine",
    "OrderTransition",
    "PaymentEvent",
    "PrintJob",
    "OutboxMessage",
    "StoredFile",
    "User",
    "Score",
    "DesignTally",
    "ScoreExclusion",
]
