//! Templates as an agent uses them: a personal reply from a profile's
//! details, in the customer's language or the fallback.

use caredesk::model::Language;
use caredesk::template::{TemplateError, TemplateLibrary, TemplateVars};

fn library() -> TemplateLibrary {
    let mut library = TemplateLibrary::new(vec![Language::ENGLISH]);
    library
        .insert(
            "rebooked",
            Language::ENGLISH,
            "Hi {customer.name}, you are rebooked on {flight.number} from {flight.origin} to {flight.destination} at {flight.departure}. {agent.signature}",
        )
        .unwrap();
    library
        .insert(
            "rebooked",
            Language::JAPANESE,
            "{customer.name}様、{flight.number}便（{flight.origin}→{flight.destination}、{flight.departure}）に変更しました。{agent.signature}",
        )
        .unwrap();
    library
}

fn vars() -> TemplateVars {
    TemplateVars::new()
        .with(TemplateVars::CUSTOMER_NAME, "Yuki")
        .with(TemplateVars::FLIGHT_NUMBER, "KL867")
        .with(TemplateVars::FLIGHT_ORIGIN, "AMS")
        .with(TemplateVars::FLIGHT_DESTINATION, "KIX")
        .with(TemplateVars::FLIGHT_DEPARTURE, "14:40")
        .with(TemplateVars::AGENT_SIGNATURE, "^SV")
}

#[test]
fn a_rebooking_renders_in_the_customers_language() {
    let rendered = library()
        .render("rebooked", Language::JAPANESE, &vars())
        .unwrap();
    assert_eq!(rendered.language_used, Language::JAPANESE);
    assert_eq!(
        rendered.text,
        "Yuki様、KL867便（AMS→KIX、14:40）に変更しました。^SV"
    );
}

#[test]
fn a_language_without_a_text_falls_back_to_english() {
    let rendered = library()
        .render("rebooked", Language::THAI, &vars())
        .unwrap();
    assert_eq!(rendered.language_used, Language::ENGLISH);
    assert!(rendered
        .text
        .starts_with("Hi Yuki, you are rebooked on KL867"));
}

#[test]
fn a_missing_flight_detail_stops_the_reply() {
    let vars = TemplateVars::new()
        .with(TemplateVars::CUSTOMER_NAME, "Yuki")
        .with(TemplateVars::AGENT_SIGNATURE, "^SV");
    assert_eq!(
        library().render("rebooked", Language::ENGLISH, &vars),
        Err(TemplateError::MissingVariable {
            name: "flight.number".into()
        })
    );
}
