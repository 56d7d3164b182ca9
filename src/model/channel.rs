//! Channels: a brand account on one network, and what it allows.

use super::{SmolStr, Visibility};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The network a channel lives on.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// X (Twitter): public posts, replies and direct messages.
    X,
    /// A Facebook Page: feed posts, comments and Messenger.
    Facebook,
    /// Instagram: comments, mentions and direct messages.
    Instagram,
    /// WhatsApp Business (Cloud API).
    Whatsapp,
    /// E-mail.
    Email,
    /// A chat widget on the brand's own site.
    Webchat,
    /// Any other network.
    Other,
}

impl ChannelKind {
    /// Every kind, in declaration order.
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::X,
        ChannelKind::Facebook,
        ChannelKind::Instagram,
        ChannelKind::Whatsapp,
        ChannelKind::Email,
        ChannelKind::Webchat,
        ChannelKind::Other,
    ];

    /// The lower-case name used in JSON (`"x"`, `"whatsapp"`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelKind::X => "x",
            ChannelKind::Facebook => "facebook",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Email => "email",
            ChannelKind::Webchat => "webchat",
            ChannelKind::Other => "other",
        }
    }

    /// Parses the lower-case name used in JSON; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<ChannelKind> {
        ChannelKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Parses a channel name as data sets and exports write it: the JSON
    /// name, in any case and with surrounding spaces, or one of the names
    /// the networks also go by (`twitter`, `fb`, `messenger`, `ig`, `wa`,
    /// `e-mail`, `mail`, `chat`, `live chat`, ...). `None` for a name it
    /// does not know.
    ///
    /// ```
    /// use caredesk::model::ChannelKind;
    /// assert_eq!(ChannelKind::from_common_name(" Twitter "), Some(ChannelKind::X));
    /// assert_eq!(ChannelKind::from_common_name("Messenger"), Some(ChannelKind::Facebook));
    /// assert_eq!(ChannelKind::from_common_name("E-Mail"), Some(ChannelKind::Email));
    /// assert_eq!(ChannelKind::from_common_name("sms"), None);
    /// ```
    pub fn from_common_name(name: &str) -> Option<ChannelKind> {
        let folded: String = name
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect();
        let kind = match folded.as_str() {
            "x" | "xcom" | "twitter" | "twittercom" | "tweet" | "tw" => ChannelKind::X,
            "facebook" | "facebookcom" | "fb" | "messenger" | "facebookmessenger"
            | "fbmessenger" => ChannelKind::Facebook,
            "instagram" | "instagramcom" | "ig" | "insta" => ChannelKind::Instagram,
            "whatsapp" | "wa" | "whatsappbusiness" => ChannelKind::Whatsapp,
            "email" | "mail" => ChannelKind::Email,
            "webchat" | "chat" | "livechat" | "web" | "chatwidget" => ChannelKind::Webchat,
            "other" => ChannelKind::Other,
            _ => return None,
        };
        Some(kind)
    }

    /// Whether messages on this network are private by nature (a WhatsApp
    /// chat, an e-mail, a web chat), as opposed to networks with public posts.
    pub fn is_private_by_nature(&self) -> bool {
        matches!(
            self,
            ChannelKind::Whatsapp | ChannelKind::Email | ChannelKind::Webchat
        )
    }
}

impl fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One brand account on one network, e.g. `@KLM` on X or the KLM Facebook Page.
///
/// ```
/// use caredesk::model::{ChannelKind, ChannelRef};
/// let klm_x = ChannelRef::new(ChannelKind::X, "@KLM");
/// assert_eq!(klm_x.to_string(), "x:@KLM");
/// ```
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChannelRef {
    /// The network.
    pub kind: ChannelKind,
    /// The brand's account on it, as the network names it (handle, page id,
    /// phone number id, mailbox address).
    pub account: SmolStr,
}

impl ChannelRef {
    /// A channel reference for `account` on the network `kind`.
    pub fn new(kind: ChannelKind, account: impl Into<SmolStr>) -> Self {
        Self {
            kind,
            account: account.into(),
        }
    }
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.account)
    }
}

/// What a channel allows; replies are checked against it before they are sent.
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Capabilities {
    /// Longest public reply, in characters (`None`: no limit).
    pub max_public_length: Option<u32>,
    /// Longest private message, in characters (`None`: no limit).
    pub max_private_length: Option<u32>,
    /// Whether the brand can write privately (DM, Messenger, e-mail).
    pub private_messages: bool,
    /// Whether the brand can reply in public.
    pub public_replies: bool,
    /// Whether replies thread under the message they answer.
    pub threading: bool,
    /// Whether attachments can be sent.
    pub attachments: bool,
    /// Sends allowed per minute before the network starts refusing (`None`: unknown).
    pub rate_limit_per_minute: Option<u32>,
}

impl Capabilities {
    /// Whether the channel can send a message of this visibility.
    pub fn allows(&self, visibility: Visibility) -> bool {
        match visibility {
            Visibility::Public => self.public_replies,
            Visibility::Private => self.private_messages,
        }
    }

    /// The documented defaults for a kind of network: 280 characters for a
    /// public X post, 10,000 for an X DM, 4,096 for WhatsApp text, and so on.
    pub fn for_kind(kind: ChannelKind) -> Capabilities {
        let (public, private, public_replies, private_messages) = match kind {
            ChannelKind::X => (Some(280), Some(10_000), true, true),
            ChannelKind::Facebook => (Some(8_000), Some(2_000), true, true),
            ChannelKind::Instagram => (Some(2_200), Some(1_000), true, true),
            ChannelKind::Whatsapp => (None, Some(4_096), false, true),
            ChannelKind::Email => (None, None, false, true),
            ChannelKind::Webchat => (None, Some(5_000), false, true),
            ChannelKind::Other => (None, None, true, true),
        };
        Capabilities {
            max_public_length: public,
            max_private_length: private,
            private_messages,
            public_replies,
            threading: true,
            attachments: true,
            rate_limit_per_minute: None,
        }
    }
}
