//! The words of a printed report in English, Khmer and French (the labels of vocabulary codes
//! come from the vocabulary tables; country names from CLDR).

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Km,
    Fr,
}

impl Lang {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "en" => Ok(Lang::En),
            "km" => Ok(Lang::Km),
            "fr" => Ok(Lang::Fr),
            other => Err(Error::invalid(format!(
                "unknown report language '{other}' (en, km, fr)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Km => "km",
            Lang::Fr => "fr",
        }
    }
}

pub struct Words {
    pub generated: &'static str,
    pub vault: &'static str,
    pub fingerprint: &'static str,
    pub filters: &'static str,
    pub data_sha256: &'static str,
    pub rules: &'static str,
    pub none: &'static str,
    pub detained: &'static str,
    pub counts: &'static str,
    pub timeline: &'static str,
    pub name: &'static str,
    pub since: &'static str,
    pub place: &'static str,
    pub charges: &'static str,
    pub sentence_months: &'static str,
    pub authority: &'static str,
    pub affiliations: &'static str,
    pub categories: &'static str,
    pub nationalities: &'static str,
    pub key: &'static str,
    pub label: &'static str,
    pub incidents: &'static str,
    pub acts: &'static str,
    pub victims: &'static str,
    pub group_victims: &'static str,
    pub sources: &'static str,
    pub description: &'static str,
    pub count: &'static str,
    pub source: &'static str,
    pub notes: &'static str,
    pub date: &'static str,
    pub record: &'static str,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: &'static str,
    pub ids: &'static str,
    approximate: &'static str,
    before: &'static str,
    after: &'static str,
}

impl Words {
    /// A report's heading: the translated name, with the English title after it.
    pub fn title(&self, report: &str, english: &str) -> String {
        let name = match report {
            "detained" => self.detained,
            "counts" => self.counts,
            _ => self.timeline,
        };
        if english.starts_with(name) {
            english.to_string()
        } else {
            format!("{name} — {english}")
        }
    }

    pub fn precision(&self, p: &str) -> &'static str {
        match p {
            "approximate" => self.approximate,
            "before" => self.before,
            _ => self.after,
        }
    }
}

const EN: Words = Words {
    generated: "Generated",
    vault: "Vault",
    fingerprint: "key fingerprint",
    filters: "Filters",
    data_sha256: "SHA-256 of the data counted",
    rules: "Counting rules",
    none: "none",
    detained: "Currently detained",
    counts: "Counts",
    timeline: "Timeline",
    name: "Name",
    since: "In custody since",
    place: "Last known place of detention",
    charges: "Charges",
    sentence_months: "Sentence (months)",
    authority: "Authority",
    affiliations: "Affiliations",
    categories: "Categories",
    nationalities: "Nationality",
    key: "Code",
    label: "Group",
    incidents: "Incidents",
    acts: "Acts",
    victims: "Unique victims",
    group_victims: "Group victims (min–max)",
    sources: "Group victims: who said what",
    description: "Group",
    count: "Count",
    source: "Source",
    notes: "Notes",
    date: "Date",
    record: "Record",
    kind: "Kind",
    title: "Title / person",
    detail: "Detail",
    ids: "Records counted",
    approximate: "approximate",
    before: "before",
    after: "after",
};

const KM: Words = Words {
    generated: "បានបង្កើតនៅ",
    vault: "ឃ្លាំងទិន្នន័យ",
    fingerprint: "ស្នាមម្រាមដៃនៃកូនសោ",
    filters: "តម្រង",
    data_sha256: "SHA-256 នៃទិន្នន័យដែលបានរាប់",
    rules: "វិធានរាប់",
    none: "គ្មាន",
    detained: "អ្នកកំពុងជាប់ឃុំ",
    counts: "ចំនួន",
    timeline: "កាលប្បវត្តិ",
    name: "ឈ្មោះ",
    since: "ជាប់ឃុំតាំងពី",
    place: "ទីកន្លែងឃុំខ្លួនចុងក្រោយដែលដឹង",
    charges: "ការចោទប្រកាន់",
    sentence_months: "ទោស (ខែ)",
    authority: "អាជ្ញាធរ",
    affiliations: "សមាជិកភាព",
    categories: "ប្រភេទបុគ្គល",
    nationalities: "សញ្ជាតិ",
    key: "កូដ",
    label: "ក្រុម",
    incidents: "ឧប្បត្តិហេតុ",
    acts: "អំពើ",
    victims: "ជនរងគ្រោះ (រាប់ម្នាក់ម្តង)",
    group_victims: "ជនរងគ្រោះជាក្រុម (តិចបំផុត–ច្រើនបំផុត)",
    sources: "ជនរងគ្រោះជាក្រុម៖ ប្រភពនីមួយៗនិយាយអ្វី",
    description: "ក្រុម",
    count: "ចំនួន",
    source: "ប្រភព",
    notes: "កំណត់សម្គាល់",
    date: "កាលបរិច្ឆេទ",
    record: "កំណត់ត្រា",
    kind: "ប្រភេទ",
    title: "ចំណងជើង / បុគ្គល",
    detail: "ព័ត៌មានលម្អិត",
    ids: "កំណត់ត្រាដែលបានរាប់",
    approximate: "ប្រហែល",
    before: "មុន",
    after: "ក្រោយ",
};

const FR: Words = Words {
    generated: "Produit le",
    vault: "Coffre",
    fingerprint: "empreinte de la clé",
    filters: "Filtres",
    data_sha256: "SHA-256 des données comptées",
    rules: "Règles de comptage",
    none: "aucun",
    detained: "Actuellement détenus",
    counts: "Décomptes",
    timeline: "Chronologie",
    name: "Nom",
    since: "Détenu·e depuis",
    place: "Dernier lieu de détention connu",
    charges: "Chefs d'accusation",
    sentence_months: "Peine (mois)",
    authority: "Autorité",
    affiliations: "Affiliations",
    categories: "Catégories",
    nationalities: "Nationalité",
    key: "Code",
    label: "Groupe",
    incidents: "Incidents",
    acts: "Actes",
    victims: "Victimes (uniques)",
    group_victims: "Victimes en groupe (min–max)",
    sources: "Victimes en groupe : qui a dit quoi",
    description: "Groupe",
    count: "Nombre",
    source: "Source",
    notes: "Notes",
    date: "Date",
    record: "Fiche",
    kind: "Type",
    title: "Titre / personne",
    detail: "Détail",
    ids: "Fiches comptées",
    approximate: "approximatif",
    before: "avant",
    after: "après",
};

pub(crate) fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Km => &KM,
        Lang::Fr => &FR,
    }
}
