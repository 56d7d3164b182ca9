//! Tone: humour, party emoji, promotional phrases and a tenant's blocklist,
//! and the [`CrisisDetector`] that says when they must not go out at all.
//!
//! The built-in lists cover the fourteen reference languages as far as a
//! marker is unambiguous; they are written in the phrase syntax of
//! [`PhraseMatcher`] (`<` a word starts, `>` a word ends).

use crate::text::lexicon::PhraseMatcher;
use serde::{Deserialize, Serialize};

/// What a tone marker signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToneCategory {
    /// Laughter and jokes ("haha", "lol", "😂", "just kidding").
    Humour,
    /// Celebration emoji ("🎉", "🥳", "🍾", "😎").
    Party,
    /// Sales language ("book now", "promo code", "% off").
    Promotional,
    /// A phrase from the tenant's own blocklist.
    Blocklist,
}

impl ToneCategory {
    /// A short name for reasons (`"humour"`, `"party emoji"`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            ToneCategory::Humour => "humour",
            ToneCategory::Party => "party emoji",
            ToneCategory::Promotional => "promotional phrase",
            ToneCategory::Blocklist => "blocklisted phrase",
        }
    }
}

/// Laughter and joke markers.
pub const HUMOUR: &[&str] = &[
    // Laughter, spelled as people type it.
    "<haha",
    "<hihi",
    "<hehe",
    "<jajaja",
    "<lol>",
    "<lmao",
    "<rofl",
    "<jk>",
    "<mdr>",
    "<kkkk",
    "<rsrs",
    "<ahah",
    "<хаха",
    "<ахах",
    "<5555",
    "ㅋㅋ",
    "ㅎㅎ",
    "哈哈",
    "呵呵",
    "（笑）",
    "(笑)",
    // Jokes, named.
    "just kidding",
    "<joke",
    "pun intended",
    "<grapje",
    "<geintje",
    "<witz",
    "<scherz",
    "<blague",
    "<broma",
    "<bromita",
    "<scherzo",
    "<battuta",
    "<piada",
    "<brincadeira",
    "<spøk",
    "<tuller",
    "<шутк",
    "<прикол",
    "<şaka",
    "冗談",
    "笑话",
    "开玩笑",
    "농담",
    "ล้อเล่น",
    // Laughing and teasing faces.
    "😂",
    "🤣",
    "😜",
    "😝",
    "😛",
    "🤪",
    "😆",
    "😹",
    "😅",
    "🙃",
];

/// Celebration emoji.
pub const PARTY: &[&str] = &[
    "🎉", "🥳", "🍾", "😎", "🎊", "🥂", "🤩", "🎈", "🪩", "💃", "🕺", "🍻", "🤑",
];

/// Promotional phrases.
pub const PROMOTIONAL: &[&str] = &[
    // English.
    "<book now",
    "<deal>",
    "<deals>",
    "<sale>",
    "<sales>",
    "%off>",
    "% off>",
    "<promo",
    "<discount",
    "<special offer",
    "<limited time",
    "<buy now",
    "<coupon",
    "<voucher code",
    "<don't miss",
    "<cheap flights",
    "<fares from",
    // Dutch.
    "<boek nu",
    "<aanbieding",
    "<korting",
    "<uitverkoop",
    "<actiecode",
    // German.
    "<jetzt buchen",
    "<angebot",
    "<rabatt",
    "<gutscheincode",
    "<schnäppchen",
    "<sonderangebot",
    // French.
    "<réservez maintenant",
    "<réservez dès",
    "<code promo",
    "<soldes>",
    "<offre spéciale",
    "<réduction",
    "<bon plan",
    // Spanish.
    "<reserva ya",
    "<reserva ahora",
    "<oferta",
    "<descuento",
    "<código promocional",
    "<rebajas",
    // Italian.
    "<prenota ora",
    "<offerta",
    "<sconto",
    "<codice promozionale",
    "<saldi>",
    // Portuguese.
    "<reserve já",
    "<reserve agora",
    "<promoção",
    "<desconto",
    "<código de desconto",
    // Norwegian.
    "<bestill nå",
    "<tilbud",
    "<rabattkode",
    "<salg>",
    // Russian.
    "<бронируйте сейчас",
    "<скидк",
    "<промокод",
    "<распродаж",
    "<акция",
    // Turkish.
    "<hemen rezervasyon",
    "<indirim",
    "<kampanya",
    "<promosyon",
    "<fırsat",
    // Chinese.
    "立即预订",
    "优惠",
    "折扣",
    "促销",
    "特价",
    // Japanese.
    "今すぐ予約",
    "セール",
    "割引",
    "クーポン",
    "キャンペーン",
    "お得",
    // Korean.
    "지금 예약",
    "할인",
    "세일",
    "특가",
    "쿠폰",
    // Thai.
    "จองเลย",
    "ลดราคา",
    "โปรโมชั่น",
    "ส่วนลด",
];

/// Words before "deal" that make it a verb or an idiom, not an offer
/// ("we'll deal with it", "no big deal").
const DEAL_NOT_OFFER: &[&str] = &[
    "to", "will", "ll", "we", "i", "can", "could", "should", "must", "they", "you", "big", "great",
    "good", "a", "no",
];

/// One tone marker found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ToneHit {
    /// What it signals.
    pub category: ToneCategory,
    /// The phrase as listed (markers removed).
    pub phrase: String,
}

/// The compiled tone lists: built-in categories plus a blocklist.
#[derive(Debug, Clone)]
pub(crate) struct ToneMatcher {
    matcher: PhraseMatcher<u32>,
    entries: Vec<(ToneCategory, String)>,
}

impl ToneMatcher {
    /// Compiles the enabled categories and the blocklist (blank entries skipped).
    pub(crate) fn new(humour: bool, party: bool, promotional: bool, blocklist: &[String]) -> Self {
        let mut matcher = PhraseMatcher::new();
        let mut entries = Vec::new();
        let mut add = |spec: &str, category: ToneCategory| {
            let index = u32::try_from(entries.len()).unwrap_or(u32::MAX);
            if matcher.add(spec, index).is_ok() {
                let plain = spec
                    .trim()
                    .trim_start_matches(['<', '^'])
                    .trim_end_matches('>');
                entries.push((category, plain.to_lowercase()));
            }
        };
        let lists = [
            (humour, HUMOUR, ToneCategory::Humour),
            (party, PARTY, ToneCategory::Party),
            (promotional, PROMOTIONAL, ToneCategory::Promotional),
        ];
        for (enabled, list, category) in lists {
            if enabled {
                for spec in list {
                    add(spec, category);
                }
            }
        }
        for phrase in blocklist {
            if !phrase.trim().is_empty() {
                add(&format!("<{}>", phrase.trim()), ToneCategory::Blocklist);
            }
        }
        ToneMatcher { matcher, entries }
    }

    /// The markers in `lowered` (a lower-cased text), first occurrence of each
    /// phrase, in order of position.
    pub(crate) fn find(&self, lowered: &str) -> Vec<ToneHit> {
        let mut seen: Vec<u32> = Vec::new();
        self.matcher.for_each_match(lowered, |index| {
            if !seen.contains(index) {
                seen.push(*index);
            }
        });
        seen.into_iter()
            .filter_map(|index| self.entries.get(index as usize))
            .filter(|(category, phrase)| {
                !(*category == ToneCategory::Promotional
                    && phrase == "deal"
                    && deal_is_not_an_offer(lowered))
            })
            .map(|(category, phrase)| ToneHit {
                category: *category,
                phrase: phrase.clone(),
            })
            .collect()
    }
}

/// Whether every "deal" in the text is a verb or an idiom.
fn deal_is_not_an_offer(lowered: &str) -> bool {
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| **w == "deal")
        .all(|(i, _)| {
            i.checked_sub(1)
                .and_then(|p| words.get(p))
                .is_some_and(|prev| DEAL_NOT_OFFER.contains(prev))
        })
}

/// When inbound volume makes a crisis: thresholds as multiples of the normal
/// volume, and how many buckets in a row must cross them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrisisSettings {
    /// Switch on when a bucket's count is at least this multiple of normal.
    pub on_multiple: f64,
    /// Switch off when a bucket's count is at most this multiple of normal
    /// (below `on_multiple`: the gap is the hysteresis).
    pub off_multiple: f64,
    /// Buckets in a row above `on_multiple` before switching on.
    pub on_buckets: u32,
    /// Buckets in a row at or below `off_multiple` before switching off.
    pub off_buckets: u32,
}

impl Default for CrisisSettings {
    /// On at 3× normal for 2 buckets, off at 1.5× for 4 buckets.
    fn default() -> Self {
        CrisisSettings {
            on_multiple: 3.0,
            off_multiple: 1.5,
            on_buckets: 2,
            off_buckets: 4,
        }
    }
}

/// A switch of crisis mode reported by [`CrisisDetector::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrisisChange {
    /// Volume stayed far above normal: crisis mode on.
    On,
    /// Volume came back near normal: crisis mode off.
    Off,
}

/// Says when inbound volume calls for crisis mode, with hysteresis so it does
/// not flap: fed one count per time bucket (say, per 15 minutes) with the
/// normal count for that bucket, it reports a [`CrisisChange`] when the mode
/// switches.
///
/// It is plain serde data, so the engine can keep it in its state and fold it
/// from events; it reads no clock.
///
/// ```
/// use caredesk::guard::{CrisisChange, CrisisDetector, CrisisSettings};
/// let mut detector = CrisisDetector::new(CrisisSettings::default());
/// assert_eq!(detector.observe(120, 100.0), None);
/// assert_eq!(detector.observe(450, 100.0), None); // one bucket is not enough
/// assert_eq!(detector.observe(900, 100.0), Some(CrisisChange::On));
/// assert!(detector.is_active());
/// assert_eq!(detector.observe(200, 100.0), None); // 2× is still a crisis
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrisisDetector {
    settings: CrisisSettings,
    active: bool,
    streak: u32,
}

impl CrisisDetector {
    /// A detector, crisis mode off.
    pub fn new(settings: CrisisSettings) -> Self {
        CrisisDetector {
            settings,
            active: false,
            streak: 0,
        }
    }

    /// Whether crisis mode is on.
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The settings.
    pub fn settings(&self) -> &CrisisSettings {
        &self.settings
    }

    /// Sets the mode by hand (an input from a supervisor); the streak restarts.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
        self.streak = 0;
    }

    /// Feeds one bucket: `count` inbound messages where `normal` is expected.
    /// A baseline that is not a positive finite number counts as 1, so a
    /// quiet hour with no history still works.
    pub fn observe(&mut self, count: u64, normal: f64) -> Option<CrisisChange> {
        let normal = if normal.is_finite() && normal > 0.0 {
            normal
        } else {
            1.0
        };
        let ratio = count as f64 / normal;
        if self.active {
            if ratio <= self.settings.off_multiple {
                self.streak += 1;
            } else {
                self.streak = 0;
            }
            if self.streak >= self.settings.off_buckets.max(1) {
                self.set_active(false);
                return Some(CrisisChange::Off);
            }
        } else {
            if ratio >= self.settings.on_multiple {
                self.streak += 1;
            } else {
                self.streak = 0;
            }
            if self.streak >= self.settings.on_buckets.max(1) {
                self.set_active(true);
                return Some(CrisisChange::On);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> ToneMatcher {
        ToneMatcher::new(true, true, true, &["free upgrade".to_owned()])
    }

    fn categories(text: &str) -> Vec<(ToneCategory, String)> {
        all()
            .find(&text.to_lowercase())
            .into_iter()
            .map(|hit| (hit.category, hit.phrase))
            .collect()
    }

    #[test]
    fn laughter_and_party_emoji_are_found_in_order() {
        assert_eq!(
            categories("Hahaha we got you 🎉"),
            [
                (ToneCategory::Humour, "haha".to_owned()),
                (ToneCategory::Party, "🎉".to_owned())
            ]
        );
        assert_eq!(categories("ㅋㅋㅋ 네")[0].0, ToneCategory::Humour);
    }

    #[test]
    fn promotional_phrases_are_found_in_several_languages() {
        for text in [
            "Book now and save!",
            "20% off all flights",
            "Gebruik de kortingscode",
            "Jetzt buchen!",
            "今すぐ予約",
            "지금 예약하세요",
            "скидка 10%",
            "indirim var",
        ] {
            assert_eq!(
                categories(text).first().map(|hit| hit.0),
                Some(ToneCategory::Promotional),
                "{text}"
            );
        }
    }

    #[test]
    fn deal_as_a_verb_or_an_idiom_is_not_an_offer() {
        assert!(categories("We'll deal with your refund today").is_empty());
        assert!(categories("No big deal, it is fixed").is_empty());
        assert_eq!(categories("Today's deal: Paris")[0].1, "deal");
    }

    #[test]
    fn words_that_contain_a_marker_are_not_hits() {
        assert!(categories("An ideal connection via Salem").is_empty());
        assert!(categories("The wholesale price").is_empty());
    }

    #[test]
    fn the_blocklist_matches_whole_phrases() {
        assert_eq!(
            categories("Enjoy a FREE UPGRADE")[0],
            (ToneCategory::Blocklist, "free upgrade".to_owned())
        );
    }

    #[test]
    fn crisis_mode_switches_off_only_after_quiet_buckets_in_a_row() {
        let mut detector = CrisisDetector::new(CrisisSettings::default());
        detector.observe(400, 100.0);
        assert_eq!(detector.observe(400, 100.0), Some(CrisisChange::On));
        for _ in 0..3 {
            assert_eq!(detector.observe(100, 100.0), None);
        }
        // A spike restarts the quiet streak.
        assert_eq!(detector.observe(300, 100.0), None);
        for _ in 0..3 {
            assert_eq!(detector.observe(100, 100.0), None);
        }
        assert_eq!(detector.observe(100, 100.0), Some(CrisisChange::Off));
        assert!(!detector.is_active());
    }

    #[test]
    fn a_missing_baseline_counts_as_one() {
        let mut detector = CrisisDetector::new(CrisisSettings {
            on_buckets: 1,
            ..CrisisSettings::default()
        });
        assert_eq!(detector.observe(3, f64::NAN), Some(CrisisChange::On));
    }
}
