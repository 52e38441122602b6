//! The counting rules in Khmer and French. The rules are written once in English beside the
//! code that applies them (`counts::RULES`, `detained::RULES`, `series::SERIES_RULES`,
//! `timeline::RULES`); this table gives each its translations, keyed by the English text, and a
//! test fails when a rule has none. A report in Khmer or French states its rules in that language.

use super::text::Lang;

/// (English, Khmer, French).
const TABLE: &[(&str, &str, &str)] = &[
    // counts::RULES
    (
        "Incidents are counted once per row; an incident with several kinds (or places, or victims of several affiliations) appears in each of their rows, and once in the total.",
        "ឧប្បត្តិហេតុនីមួយៗត្រូវបានរាប់ម្តងក្នុងមួយជួរ។ ឧប្បត្តិហេតុដែលមានប្រភេទច្រើន (ឬទីកន្លែងច្រើន ឬជនរងគ្រោះដែលមានសមាជិកភាពច្រើន) បង្ហាញក្នុងជួរនីមួយៗរបស់វា ហើយរាប់តែម្តងក្នុងចំនួនសរុប។",
        "Chaque incident est compté une fois par ligne ; un incident de plusieurs types (ou lieux, ou dont les victimes ont plusieurs affiliations) figure dans chacune de ses lignes, et une seule fois dans le total.",
    ),
    (
        "Dates: an incident is in the range when its dates overlap it; incidents of unknown date are left out when a range is given. Month and year are those of the start date ('2014' when only the year is known).",
        "កាលបរិច្ឆេទ៖ ឧប្បត្តិហេតុស្ថិតក្នុងចន្លោះពេល នៅពេលកាលបរិច្ឆេទរបស់វាត្រួតលើចន្លោះនោះ។ ឧប្បត្តិហេតុដែលមិនដឹងកាលបរិច្ឆេទ មិនត្រូវបានរាប់ទេ នៅពេលមានចន្លោះពេលកំណត់។ ខែ និងឆ្នាំ គឺជាខែ និងឆ្នាំនៃកាលបរិច្ឆេទចាប់ផ្តើម ('២០១៤' នៅពេលដឹងតែឆ្នាំ)។",
        "Dates : un incident est dans la période quand ses dates la recoupent ; les incidents de date inconnue sont exclus quand une période est donnée. Le mois et l’année sont ceux de la date de début (« 2014 » quand seule l’année est connue).",
    ),
    (
        "An act is one victim involvement: a person beaten twice in two incidents is one victim and two acts.",
        "អំពើមួយ គឺជាការពាក់ព័ន្ធរបស់ជនរងគ្រោះម្នាក់៖ មនុស្សម្នាក់ដែលត្រូវគេវាយពីរដង ក្នុងឧប្បត្តិហេតុពីរ គឺជាជនរងគ្រោះម្នាក់ និងអំពើពីរ។",
        "Un acte est une implication d’une victime : une personne battue deux fois lors de deux incidents est une victime et deux actes.",
    ),
    (
        "Unique victims are individual victims counted once by identity: merged person records count once.",
        "ជនរងគ្រោះ (រាប់ម្នាក់ម្តង) គឺជនរងគ្រោះម្នាក់ៗ ដែលរាប់តែម្តងតាមអត្តសញ្ញាណ៖ កំណត់ត្រាបុគ្គលដែលបានបញ្ចូលគ្នា រាប់តែម្តង។",
        "Les victimes uniques sont les victimes individuelles comptées une fois par identité : des fiches de personne fusionnées comptent une fois.",
    ),
    (
        "Group victims (unnamed people counted by number) are a range, minimum to maximum. Reports of a group with the same description in the same incident are one group told by several sources: its range runs from the smallest to the largest count given. Different groups add up. A report without a lower bound adds 0 to the minimum; one without an upper bound makes the maximum unknown.",
        "ជនរងគ្រោះជាក្រុម (មនុស្សគ្មានឈ្មោះ ដែលរាប់ជាចំនួន) ត្រូវបង្ហាញជាចន្លោះ ពីតិចបំផុតដល់ច្រើនបំផុត។ របាយការណ៍អំពីក្រុមដែលមានការពិពណ៌នាដូចគ្នា ក្នុងឧប្បត្តិហេតុតែមួយ គឺជាក្រុមតែមួយដែលប្រភពច្រើនបានរាយការណ៍៖ ចន្លោះរបស់វាចាប់ពីចំនួនតូចបំផុត ដល់ចំនួនធំបំផុតដែលបានផ្តល់។ ក្រុមផ្សេងៗគ្នាត្រូវបូកបញ្ចូលគ្នា។ របាយការណ៍ដែលគ្មានចំនួនតិចបំផុត បន្ថែម ០ ទៅចំនួនតិចបំផុត ហើយរបាយការណ៍ដែលគ្មានចំនួនច្រើនបំផុត ធ្វើឱ្យចំនួនច្រើនបំផុតមិនដឹង។",
        "Les victimes en groupe (personnes non nommées comptées par leur nombre) sont une fourchette, du minimum au maximum. Les signalements d’un groupe de même description dans le même incident sont un seul groupe rapporté par plusieurs sources : sa fourchette va du plus petit au plus grand nombre donné. Des groupes différents s’additionnent. Un signalement sans borne inférieure ajoute 0 au minimum ; un signalement sans borne supérieure rend le maximum inconnu.",
    ),
    (
        "Victim filters (affiliation, category, nationality) and victim groupings count named victims only; incidents then follow their matching victims. Victims without a value are in the row '(none)'.",
        "តម្រងជនរងគ្រោះ (សមាជិកភាព ប្រភេទបុគ្គល សញ្ជាតិ) និងការដាក់ជាក្រុមតាមជនរងគ្រោះ រាប់តែជនរងគ្រោះដែលមានឈ្មោះ ហើយឧប្បត្តិហេតុត្រូវរាប់តាមជនរងគ្រោះដែលត្រូវនឹងតម្រង។ ជនរងគ្រោះដែលគ្មានតម្លៃ ស្ថិតក្នុងជួរ '(គ្មាន)'។",
        "Les filtres de victimes (affiliation, catégorie, nationalité) et les regroupements par victime ne comptent que les victimes nommées ; les incidents suivent alors leurs victimes retenues. Les victimes sans valeur sont dans la ligne « (aucun) ».",
    ),
    (
        "Perpetrator type is that of the act, else those of the incident's alleged perpetrators, else '(none)'.",
        "ប្រភេទជនល្មើស គឺប្រភេទដែលកត់ក្នុងអំពើ បើគ្មាន គឺប្រភេទរបស់ជនល្មើសដែលត្រូវបានចោទប្រកាន់ក្នុងឧប្បត្តិហេតុ បើគ្មានទៀត គឺ '(គ្មាន)'។",
        "Le type d’auteur est celui de l’acte, sinon ceux des auteurs présumés de l’incident, sinon « (aucun) ».",
    ),
    (
        "Drill-down lists the testimonies of the counted incidents whose witness's current consent allows publication: a withdrawal of consent takes a testimony out of every later report.",
        "ការបង្ហាញលម្អិត រាយបញ្ជីសក្ខីកម្មនៃឧប្បត្តិហេតុដែលបានរាប់ ដែលការយល់ព្រមបច្ចុប្បន្នរបស់សាក្សីអនុញ្ញាតឱ្យផ្សព្វផ្សាយ៖ ការដកការយល់ព្រមវិញ ដកសក្ខីកម្មនោះចេញពីរបាយការណ៍ទាំងអស់នៅពេលក្រោយ។",
        "Le détail liste les témoignages des incidents comptés dont le consentement actuel du témoin permet la publication : un retrait du consentement retire un témoignage de tout rapport ultérieur.",
    ),
    // detained::RULES
    (
        "A person is detained now when the latest of their proceedings that changes custody puts them in custody: an arrest, a detention, or a sentence (not one passed in absentia or of zero months). A release, an acquittal or flight ends custody. Steps of unknown date count as the most recent.",
        "បុគ្គលម្នាក់កំពុងជាប់ឃុំឥឡូវនេះ នៅពេលនីតិវិធីចុងក្រោយបំផុតរបស់គេ ដែលផ្លាស់ប្តូរស្ថានភាពឃុំខ្លួន ដាក់គេឱ្យស្ថិតក្នុងការឃុំខ្លួន៖ ការចាប់ខ្លួន ការឃុំខ្លួន ឬការកាត់ទោស (មិនមែនការកាត់ទោសកំបាំងមុខ ឬទោសសូន្យខែ)។ ការដោះលែង ការរួចពីបទចោទ ឬការរត់គេច បញ្ចប់ការឃុំខ្លួន។ ជំហានដែលមិនដឹងកាលបរិច្ឆេទ ត្រូវរាប់ថាថ្មីបំផុត។",
        "Une personne est détenue aujourd’hui quand la plus récente de ses procédures qui change sa situation de détention la place en détention : une arrestation, une détention ou une condamnation (sauf par contumace ou à zéro mois). Une libération, un acquittement ou une fuite met fin à la détention. Les étapes de date inconnue comptent comme les plus récentes.",
    ),
    (
        "'Since' is the start of the present, continuous custody: the first step that put the person in custody after their last release, with the precision its date is known to.",
        "'ជាប់ឃុំតាំងពី' គឺជាការចាប់ផ្តើមនៃការឃុំខ្លួនបច្ចុប្បន្ន ដែលបន្តជាប់ៗគ្នា៖ ជំហានដំបូងដែលដាក់បុគ្គលនោះឱ្យស្ថិតក្នុងការឃុំខ្លួន បន្ទាប់ពីការដោះលែងចុងក្រោយរបស់គេ តាមកម្រិតភាពច្បាស់លាស់ដែលគេដឹងពីកាលបរិច្ឆេទរបស់វា។",
        "« Détenu·e depuis » est le début de la détention actuelle et continue : la première étape qui a placé la personne en détention après sa dernière libération, avec la précision à laquelle sa date est connue.",
    ),
    (
        "'Place' is the last known place of detention among the steps of the present custody.",
        "'ទីកន្លែងឃុំខ្លួនចុងក្រោយដែលដឹង' គឺជាទីកន្លែងឃុំខ្លួនចុងក្រោយដែលគេដឹង ក្នុងចំណោមជំហាននៃការឃុំខ្លួនបច្ចុប្បន្ន។",
        "« Dernier lieu de détention connu » est le dernier lieu de détention connu parmi les étapes de la détention actuelle.",
    ),
    (
        "Charges and authority are the latest given in the present custody, else the latest given in any earlier proceeding; the sentence is the latest passed in the present custody.",
        "ការចោទប្រកាន់ និងអាជ្ញាធរ គឺជាព័ត៌មានចុងក្រោយបំផុតដែលបានផ្តល់ក្នុងការឃុំខ្លួនបច្ចុប្បន្ន បើគ្មាន គឺព័ត៌មានចុងក្រោយក្នុងនីតិវិធីណាមួយមុននោះ។ ទោស គឺជាទោសចុងក្រោយដែលបានកាត់ក្នុងការឃុំខ្លួនបច្ចុប្បន្ន។",
        "Les chefs d’accusation et l’autorité sont les derniers donnés pendant la détention actuelle, sinon les derniers donnés dans une procédure antérieure ; la peine est la dernière prononcée pendant la détention actuelle.",
    ),
    (
        "Each person counts once, however many records describe them (merged records share one identity).",
        "បុគ្គលម្នាក់ៗរាប់តែម្តង ទោះបីមានកំណត់ត្រាប៉ុន្មានពិពណ៌នាអំពីគេក៏ដោយ (កំណត់ត្រាដែលបានបញ្ចូលគ្នា មានអត្តសញ្ញាណតែមួយ)។",
        "Chaque personne compte une fois, quel que soit le nombre de fiches qui la décrivent (des fiches fusionnées partagent une identité).",
    ),
    // series::SERIES_RULES
    (
        "A person counts in a month when, by the proceedings dated up to that month's end, their present custody had begun and not ended (the rule of 'detained now').",
        "បុគ្គលម្នាក់ត្រូវរាប់ក្នុងខែមួយ នៅពេលដែល តាមនីតិវិធីដែលមានកាលបរិច្ឆេទរហូតដល់ចុងខែនោះ ការឃុំខ្លួនរបស់គេបានចាប់ផ្តើម ហើយមិនទាន់បញ្ចប់ (វិធាននៃ 'អ្នកកំពុងជាប់ឃុំ')។",
        "Une personne compte pour un mois quand, d’après les procédures datées jusqu’à la fin de ce mois, sa détention avait commencé sans avoir pris fin (la règle de « détenu aujourd’hui »).",
    ),
    (
        "A date known only to the year counts from January of that year, one known to the month from that month; proceedings without a date are left out of the series.",
        "កាលបរិច្ឆេទដែលដឹងតែឆ្នាំ រាប់ចាប់ពីខែមករានៃឆ្នាំនោះ កាលបរិច្ឆេទដែលដឹងត្រឹមខែ រាប់ចាប់ពីខែនោះ។ នីតិវិធីដែលគ្មានកាលបរិច្ឆេទ មិនត្រូវបានរាប់បញ្ចូលក្នុងស៊េរីនេះទេ។",
        "Une date connue seulement à l’année compte à partir de janvier de cette année, une date connue au mois à partir de ce mois ; les procédures sans date sont exclues de la série.",
    ),
    // timeline::RULES
    (
        "Entries are in date order; a date known only to the month or year sorts at its first day, and entries of unknown date come last.",
        "ធាតុត្រូវបានរៀបតាមលំដាប់កាលបរិច្ឆេទ។ កាលបរិច្ឆេទដែលដឹងត្រឹមខែ ឬឆ្នាំ ត្រូវតម្រៀបនៅថ្ងៃដំបូងរបស់វា ហើយធាតុដែលមិនដឹងកាលបរិច្ឆេទ នៅខាងចុងក្រោយ។",
        "Les entrées sont dans l’ordre des dates ; une date connue seulement au mois ou à l’année se place à son premier jour, et les entrées de date inconnue viennent en dernier.",
    ),
    (
        "A person's timeline holds every incident they took part in (with their role) and every proceeding, across all records of their identity.",
        "កាលប្បវត្តិរបស់បុគ្គលម្នាក់ មានគ្រប់ឧប្បត្តិហេតុដែលគេបានពាក់ព័ន្ធ (ជាមួយតួនាទីរបស់គេ) និងគ្រប់នីតិវិធី ពីគ្រប់កំណត់ត្រានៃអត្តសញ្ញាណរបស់គេ។",
        "La chronologie d’une personne contient chaque incident auquel elle a pris part (avec son rôle) et chaque procédure, dans toutes les fiches de son identité.",
    ),
    (
        "An incident chain holds the incident and every incident linked to it, directly or through others, in either direction, with their proceedings.",
        "ខ្សែសង្វាក់ឧប្បត្តិហេតុ មានឧប្បត្តិហេតុនោះ និងគ្រប់ឧប្បត្តិហេតុដែលភ្ជាប់ទៅវា ដោយផ្ទាល់ ឬតាមរយៈឧប្បត្តិហេតុផ្សេងទៀត ក្នុងទិសណាមួយក៏ដោយ ព្រមទាំងនីតិវិធីរបស់វា។",
        "Une chaîne d’incidents contient l’incident et chaque incident qui lui est lié, directement ou par d’autres, dans un sens ou dans l’autre, avec leurs procédures.",
    ),
];

/// The rule in `lang` (the English text itself for English, or for a rule not in the table).
pub fn rule_in(rule: &str, lang: Lang) -> &str {
    match lang {
        Lang::En => rule,
        Lang::Km | Lang::Fr => TABLE
            .iter()
            .find(|(en, _, _)| *en == rule)
            .map(|(_, km, fr)| if lang == Lang::Km { *km } else { *fr })
            .unwrap_or(rule),
    }
}

/// Every rule in `lang`.
pub fn rules_in(rules: &[String], lang: Lang) -> Vec<String> {
    rules.iter().map(|r| rule_in(r, lang).to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_rule() -> Vec<&'static str> {
        [
            super::super::counts::RULES,
            super::super::detained::RULES,
            super::super::series::SERIES_RULES,
            super::super::timeline::RULES,
        ]
        .concat()
    }

    #[test]
    fn every_counting_rule_is_translated_into_khmer_and_french() {
        let khmer = |s: &str| s.chars().any(|c| ('\u{1780}'..='\u{17FF}').contains(&c));
        for rule in every_rule() {
            let km = rule_in(rule, Lang::Km);
            let fr = rule_in(rule, Lang::Fr);
            assert_ne!(km, rule, "no Khmer for: {rule}");
            assert_ne!(fr, rule, "no French for: {rule}");
            assert!(khmer(km), "the Khmer of '{rule}' is not in Khmer script");
            assert!(!km.contains("YYYY"), "English inside Khmer: {km}");
        }
        assert_eq!(rule_in(every_rule()[0], Lang::En), every_rule()[0]);
    }

    #[test]
    fn the_table_holds_no_rule_the_code_no_longer_states() {
        let rules = every_rule();
        for (en, _, _) in TABLE {
            assert!(rules.contains(en), "stale translation: {en}");
        }
    }

    #[test]
    fn a_report_printed_in_khmer_or_french_states_its_rules_in_that_language() {
        use crate::report::{CountsQuery, Dimension, Format};
        let (_d, v) = crate::testutil::vault();
        let report = v.report_counts(&CountsQuery::by(Dimension::Kind)).unwrap();
        let html = |lang| {
            String::from_utf8(v.render_report(&report, Format::Html, lang).unwrap()).unwrap()
        };
        let first = super::super::counts::RULES[0];
        assert!(html(Lang::En).contains(first));
        let km = html(Lang::Km);
        assert!(
            km.contains(rule_in(first, Lang::Km)) && !km.contains(first),
            "Khmer page"
        );
        let fr = html(Lang::Fr);
        assert!(
            fr.contains(&super::super::render::escape(rule_in(first, Lang::Fr))),
            "French page"
        );
        // The window asks for the rules in its language; the data and its hash do not change.
        let hash = report.data_sha256.clone();
        let km = report.in_lang(Lang::Km);
        assert_eq!(km.rules[0], rule_in(first, Lang::Km));
        assert_eq!(km.data_sha256, hash);
    }
}
