//! Product images, generated: a gradient in the category's palette with a simple illustration of
//! the product (a knife, a mug, a tent: picked by a word of its name) or else of its category,
//! varied per product. Nothing is downloaded, and every product always has one.

use std::fmt::Write as _;

/// An encoded image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductImage {
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
    /// Changes whenever the bytes change.
    pub etag: String,
}

/// Renders the image of a product from its slug (which varies it), name (which may pick the
/// illustration) and category (which picks the palette and the illustration otherwise).
pub fn render_image(slug: &str, name: &str, category: &str) -> ProductImage {
    let hash = fnv1a(slug.as_bytes());
    let palettes = palettes(category);
    let [from, to] = palettes[usize::try_from(hash % 3).unwrap_or(0)];
    let angle = hash % 4;
    let (x1, y1, x2, y2) = match angle {
        0 => (0, 0, 1, 1),
        1 => (1, 0, 0, 1),
        2 => (0, 1, 1, 0),
        _ => (0, 0, 0, 1),
    };
    let bubble = |shift: u32, low: u64, span: u64| low + (hash >> shift) % span;
    let mut svg = String::with_capacity(2048);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 800" role="img" aria-label="{label}"><defs><linearGradient id="g" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"><stop offset="0" stop-color="{from}"/><stop offset="1" stop-color="{to}"/></linearGradient></defs><rect width="800" height="800" fill="url(#g)"/><circle cx="{c1x}" cy="{c1y}" r="{c1r}" fill="#fff" fill-opacity=".10"/><circle cx="{c2x}" cy="{c2y}" r="{c2r}" fill="#fff" fill-opacity=".08"/><ellipse cx="400" cy="618" rx="240" ry="26" fill="#000" fill-opacity=".10"/>"##,
        label = escape(name),
        c1x = bubble(8, 80, 640),
        c1y = bubble(16, 60, 200),
        c1r = bubble(24, 90, 120),
        c2x = bubble(32, 60, 680),
        c2y = bubble(40, 560, 200),
        c2r = bubble(48, 60, 100),
    );
    svg.push_str(&illustration(category, name).replace("{accent}", from));
    svg.push_str("</svg>");
    let etag = format!("\"{:016x}\"", fnv1a(svg.as_bytes()));
    ProductImage { content_type: "image/svg+xml".to_owned(), data: svg.into_bytes(), etag }
}

fn palettes(category: &str) -> [[&'static str; 2]; 3] {
    match category {
        "kitchen" => [["#c2410c", "#f59e0b"], ["#b45309", "#f97316"], ["#9a3412", "#fb923c"]],
        "home" => [["#0f766e", "#5eaaa8"], ["#115e59", "#84a98c"], ["#134e4a", "#2a9d8f"]],
        "garden" => [["#3f6212", "#84cc16"], ["#365314", "#a3b18a"], ["#4d7c0f", "#65a30d"]],
        "outdoors" => [["#1e3a5f", "#2a9d8f"], ["#264653", "#52796f"], ["#1d4e89", "#4d908e"]],
        "stationery" => [["#6d597a", "#b56576"], ["#5b4b8a", "#9d8ec4"], ["#7b2d5b", "#c06c84"]],
        "audio" => [["#1d3557", "#457b9d"], ["#22223b", "#4a4e69"], ["#0b3c5d", "#328cc1"]],
        "apparel" => [["#9d4c5f", "#e5989b"], ["#7f5539", "#b08968"], ["#8e4162", "#d08c9f"]],
        "toys" => [["#d97706", "#facc15"], ["#c2410c", "#fbbf24"], ["#b91c1c", "#f59e0b"]],
        _ => [["#374151", "#6b7280"], ["#1f2937", "#4b5563"], ["#334155", "#64748b"]],
    }
}

/// White shapes drawn over the gradient; `{accent}` is replaced by the palette's dark colour.
/// The first object named by a whole word of the product's name wins; else the category's.
fn illustration(category: &str, name: &str) -> &'static str {
    let name = name.to_lowercase();
    let words: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).collect();
    OBJECTS
        .iter()
        .find(|(keys, _)| keys.iter().any(|key| words.contains(key)))
        .map_or_else(|| category_illustration(category), |(_, svg)| svg)
}

const POT: &str = r##"<rect x="230" y="370" width="340" height="220" rx="48" fill="#fff"/><rect x="200" y="340" width="400" height="46" rx="23" fill="#fff" fill-opacity=".88"/><rect x="365" y="298" width="70" height="46" rx="18" fill="#fff" fill-opacity=".88"/><rect x="150" y="410" width="90" height="30" rx="15" fill="#fff" fill-opacity=".88"/><rect x="560" y="410" width="90" height="30" rx="15" fill="#fff" fill-opacity=".88"/><rect x="230" y="445" width="340" height="22" fill="{accent}" fill-opacity=".25"/>"##;
const LAMP: &str = r##"<path d="M300 220 H500 L570 390 H230 Z" fill="#fff"/><rect x="388" y="390" width="24" height="185" fill="#fff" fill-opacity=".88"/><ellipse cx="400" cy="588" rx="110" ry="24" fill="#fff" fill-opacity=".92"/><path d="M262 360 H538" stroke="{accent}" stroke-opacity=".28" stroke-width="12"/>"##;

/// Objects recognised in product names, in order of precedence ("sleeping bag" is a blanket
/// before it is a bag).
const OBJECTS: &[(&[&str], &str)] = &[
    (&["lamp"], LAMP),
    (&["stove", "skillet", "pot", "pan", "oven"], POT),
    (
        &["towel", "towels", "blanket", "throw", "sleeping"],
        r##"<rect x="220" y="300" width="360" height="90" rx="30" fill="#fff"/><rect x="200" y="395" width="400" height="90" rx="30" fill="#fff" fill-opacity=".88"/><rect x="220" y="490" width="360" height="96" rx="30" fill="#fff"/><path d="M262 345 H538 M262 538 H538" stroke="{accent}" stroke-opacity=".25" stroke-width="10"/>"##,
    ),
    (
        &["knife", "knives"],
        r##"<g transform="rotate(-35 400 400)"><path d="M160 372 H500 V432 H236 Q176 424 160 372 Z" fill="#fff"/><rect x="500" y="374" width="200" height="56" rx="20" fill="#fff" fill-opacity=".9"/><circle cx="565" cy="402" r="9" fill="{accent}" fill-opacity=".4"/><circle cx="640" cy="402" r="9" fill="{accent}" fill-opacity=".4"/><path d="M190 392 H490" stroke="{accent}" stroke-opacity=".18" stroke-width="6"/></g>"##,
    ),
    (
        &["board"],
        r##"<rect x="180" y="270" width="420" height="320" rx="36" fill="#fff"/><rect x="590" y="380" width="80" height="100" rx="32" fill="#fff" fill-opacity=".9"/><circle cx="632" cy="430" r="17" fill="{accent}" fill-opacity=".35"/><path d="M230 330 H550 M230 530 H550" stroke="{accent}" stroke-opacity=".16" stroke-width="8"/>"##,
    ),
    (
        &["scale"],
        r##"<rect x="200" y="300" width="400" height="290" rx="40" fill="#fff"/><rect x="250" y="345" width="300" height="150" rx="22" fill="{accent}" fill-opacity=".16"/><rect x="305" y="515" width="190" height="48" rx="12" fill="{accent}" fill-opacity=".32"/><path d="M340 539 H362 M389 539 H411 M438 539 H460" stroke="#fff" stroke-width="9" stroke-linecap="round"/>"##,
    ),
    (
        &["spoon", "spoons"],
        r##"<g transform="rotate(-30 400 400)"><ellipse cx="400" cy="270" rx="72" ry="104" fill="#fff"/><rect x="384" y="350" width="32" height="270" rx="16" fill="#fff" fill-opacity=".9"/><ellipse cx="400" cy="262" rx="42" ry="66" fill="{accent}" fill-opacity=".16"/></g>"##,
    ),
    (
        &["mug", "cup", "coffee", "tea"],
        r##"<rect x="245" y="300" width="260" height="290" rx="38" fill="#fff"/><path d="M505 362 H540 A64 64 0 0 1 540 490 H505" stroke="#fff" stroke-width="34" fill="none"/><path d="M320 250 Q342 215 320 180 M380 250 Q402 215 380 180 M440 250 Q462 215 440 180" stroke="#fff" stroke-opacity=".75" stroke-width="12" fill="none" stroke-linecap="round"/><rect x="245" y="362" width="260" height="24" fill="{accent}" fill-opacity=".25"/>"##,
    ),
    (
        &["vase"],
        r##"<path d="M345 210 H455 V255 Q455 300 500 340 Q565 400 545 495 Q525 590 400 592 Q275 590 255 495 Q235 400 300 340 Q345 300 345 255 Z" fill="#fff"/><path d="M262 445 H538" stroke="{accent}" stroke-opacity=".25" stroke-width="14"/>"##,
    ),
    (
        &["candle", "candles"],
        r##"<rect x="300" y="330" width="200" height="260" rx="24" fill="#fff"/><path d="M400 330 V292" stroke="#fff" stroke-width="8"/><path d="M400 180 Q446 240 400 282 Q354 240 400 180 Z" fill="#fff" fill-opacity=".92"/><path d="M300 385 H500" stroke="{accent}" stroke-opacity=".25" stroke-width="14"/>"##,
    ),
    (
        &["clock"],
        r##"<circle cx="400" cy="400" r="190" fill="#fff"/><circle cx="400" cy="400" r="150" fill="{accent}" fill-opacity=".1"/><path d="M400 400 V292 M400 400 L482 448" stroke="{accent}" stroke-opacity=".6" stroke-width="16" stroke-linecap="round"/><circle cx="400" cy="400" r="15" fill="{accent}" fill-opacity=".6"/>"##,
    ),
    (
        &["tent"],
        r##"<path d="M150 592 L400 226 L650 592 Z" fill="#fff"/><path d="M400 226 L472 592 H328 Z" fill="{accent}" fill-opacity=".25"/><path d="M400 226 L376 192 M400 226 L424 192" stroke="#fff" stroke-width="10" stroke-linecap="round"/>"##,
    ),
    (
        &["backpack", "rucksack"],
        r##"<rect x="270" y="250" width="260" height="340" rx="72" fill="#fff"/><path d="M340 252 V222 A60 60 0 0 1 460 222 V252" stroke="#fff" stroke-width="22" fill="none"/><rect x="310" y="420" width="180" height="120" rx="24" fill="{accent}" fill-opacity=".2"/><path d="M310 462 H490" stroke="{accent}" stroke-opacity=".3" stroke-width="8"/>"##,
    ),
    (
        &["bottle", "flask"],
        r##"<rect x="330" y="270" width="140" height="320" rx="52" fill="#fff"/><rect x="355" y="212" width="90" height="64" rx="14" fill="#fff" fill-opacity=".9"/><rect x="330" y="380" width="140" height="90" fill="{accent}" fill-opacity=".22"/>"##,
    ),
    (
        &["speaker", "speakers"],
        r##"<rect x="260" y="225" width="280" height="365" rx="42" fill="#fff"/><circle cx="400" cy="462" r="92" fill="{accent}" fill-opacity=".2"/><circle cx="400" cy="462" r="34" fill="{accent}" fill-opacity=".35"/><circle cx="400" cy="310" r="36" fill="{accent}" fill-opacity=".2"/>"##,
    ),
    (
        &["charger", "cable", "bank", "battery"],
        r##"<rect x="220" y="300" width="330" height="210" rx="32" fill="#fff"/><rect x="550" y="365" width="40" height="80" rx="12" fill="#fff" fill-opacity=".9"/><path d="M412 326 L340 414 H396 L372 486 L452 392 H396 Z" fill="{accent}" fill-opacity=".45"/>"##,
    ),
    (
        &["pen", "pens"],
        r##"<g transform="rotate(40 400 400)"><rect x="368" y="180" width="64" height="340" rx="22" fill="#fff"/><path d="M368 520 H432 L400 612 Z" fill="#fff" fill-opacity=".9"/><rect x="368" y="246" width="64" height="26" fill="{accent}" fill-opacity=".3"/><rect x="426" y="196" width="14" height="140" rx="7" fill="#fff" fill-opacity=".8"/></g>"##,
    ),
    (
        &["ruler"],
        r##"<g transform="rotate(-20 400 400)"><rect x="140" y="340" width="520" height="124" rx="12" fill="#fff"/><path d="M190 340 V404 M240 340 V380 M290 340 V404 M340 340 V380 M390 340 V404 M440 340 V380 M490 340 V404 M540 340 V380 M590 340 V404" stroke="{accent}" stroke-opacity=".4" stroke-width="8"/></g>"##,
    ),
    (
        &["sock", "socks"],
        r##"<path d="M300 210 H430 V428 L530 496 Q572 528 544 570 Q514 604 460 578 L322 504 Q300 490 300 458 Z" fill="#fff"/><rect x="300" y="210" width="130" height="54" fill="{accent}" fill-opacity=".25"/><path d="M300 300 H430" stroke="{accent}" stroke-opacity=".15" stroke-width="10"/>"##,
    ),
    (
        &["bag", "tote", "basket"],
        r##"<path d="M226 330 H574 L548 592 H252 Z" fill="#fff"/><path d="M318 332 V282 A82 82 0 0 1 482 282 V332" stroke="#fff" stroke-width="20" fill="none"/><path d="M244 402 H556" stroke="{accent}" stroke-opacity=".22" stroke-width="12"/>"##,
    ),
    (
        &["watering"],
        r##"<rect x="240" y="330" width="250" height="260" rx="30" fill="#fff"/><path d="M486 430 L618 306" stroke="#fff" stroke-width="30" stroke-linecap="round"/><rect x="596" y="266" width="66" height="42" rx="10" transform="rotate(-43 629 287)" fill="#fff"/><path d="M292 332 A73 73 0 0 1 438 332" stroke="#fff" stroke-width="22" fill="none"/><path d="M240 470 H490" stroke="{accent}" stroke-opacity=".22" stroke-width="12"/>"##,
    ),
    (
        &["bird", "birdhouse"],
        r##"<path d="M210 384 L400 226 L590 384 Z" fill="#fff"/><rect x="266" y="372" width="268" height="220" rx="12" fill="#fff" fill-opacity=".92"/><circle cx="400" cy="452" r="42" fill="{accent}" fill-opacity=".35"/><rect x="378" y="520" width="44" height="14" rx="7" fill="{accent}" fill-opacity=".35"/>"##,
    ),
    (
        &["lights", "lanterns"],
        r##"<path d="M120 300 Q400 424 680 300" stroke="#fff" stroke-width="8" fill="none"/><g fill="#fff"><rect x="188" y="318" width="24" height="24" rx="4"/><ellipse cx="200" cy="376" rx="28" ry="40"/><rect x="288" y="342" width="24" height="24" rx="4"/><ellipse cx="300" cy="400" rx="28" ry="40"/><rect x="388" y="350" width="24" height="24" rx="4"/><ellipse cx="400" cy="408" rx="28" ry="40"/><rect x="488" y="342" width="24" height="24" rx="4"/><ellipse cx="500" cy="400" rx="28" ry="40"/><rect x="588" y="318" width="24" height="24" rx="4"/><ellipse cx="600" cy="376" rx="28" ry="40"/></g>"##,
    ),
    (
        &["kite"],
        r##"<path d="M400 170 L545 356 L400 560 L255 356 Z" fill="#fff"/><path d="M400 170 V560 M255 356 H545" stroke="{accent}" stroke-opacity=".3" stroke-width="8"/><path d="M400 560 Q446 598 400 628 Q354 658 408 690" stroke="#fff" stroke-width="6" fill="none"/>"##,
    ),
    (
        &["bear", "teddy"],
        r##"<circle cx="310" cy="236" r="46" fill="#fff"/><circle cx="490" cy="236" r="46" fill="#fff"/><circle cx="400" cy="326" r="112" fill="#fff"/><ellipse cx="400" cy="512" rx="142" ry="88" fill="#fff" fill-opacity=".92"/><circle cx="362" cy="310" r="12" fill="{accent}" fill-opacity=".5"/><circle cx="438" cy="310" r="12" fill="{accent}" fill-opacity=".5"/><ellipse cx="400" cy="362" rx="34" ry="22" fill="{accent}" fill-opacity=".3"/>"##,
    ),
];

fn category_illustration(category: &str) -> &'static str {
    match category {
        "kitchen" => POT,
        "home" => LAMP,
        "garden" => {
            r##"<path d="M300 440 H500 L475 592 H325 Z" fill="#fff"/><rect x="285" y="424" width="230" height="36" rx="10" fill="#fff" fill-opacity=".92"/><path d="M400 424 V250" stroke="#fff" stroke-width="14" stroke-linecap="round"/><ellipse cx="345" cy="330" rx="72" ry="32" transform="rotate(-30 345 330)" fill="#fff" fill-opacity=".9"/><ellipse cx="455" cy="300" rx="72" ry="32" transform="rotate(30 455 300)" fill="#fff" fill-opacity=".9"/><ellipse cx="400" cy="238" rx="30" ry="56" fill="#fff" fill-opacity=".9"/><path d="M312 500 H488" stroke="{accent}" stroke-opacity=".25" stroke-width="12"/>"##
        }
        "outdoors" => {
            r##"<circle cx="545" cy="255" r="62" fill="#fff" fill-opacity=".9"/><path d="M140 592 L330 300 L420 432 L502 342 L660 592 Z" fill="#fff"/><path d="M330 300 L376 370 L352 360 L330 386 L306 360 L284 370 Z" fill="{accent}" fill-opacity=".3"/><path d="M502 342 L536 394 L502 384 L470 394 Z" fill="{accent}" fill-opacity=".3"/>"##
        }
        "stationery" => {
            r##"<rect x="240" y="215" width="270" height="370" rx="18" fill="#fff"/><rect x="240" y="215" width="42" height="370" rx="10" fill="{accent}" fill-opacity=".3"/><path d="M320 300 H470 M320 350 H470 M320 400 H440 M320 450 H455" stroke="{accent}" stroke-opacity=".35" stroke-width="10" stroke-linecap="round"/><g transform="rotate(32 560 420)"><rect x="535" y="245" width="50" height="265" rx="8" fill="#fff" fill-opacity=".94"/><path d="M535 510 L585 510 L560 566 Z" fill="#fff" fill-opacity=".94"/></g>"##
        }
        "audio" => {
            r##"<path d="M250 455 V400 A150 150 0 0 1 550 400 V455" stroke="#fff" stroke-width="34" fill="none" stroke-linecap="round"/><rect x="212" y="420" width="94" height="165" rx="38" fill="#fff"/><rect x="494" y="420" width="94" height="165" rx="38" fill="#fff"/><rect x="238" y="452" width="42" height="100" rx="18" fill="{accent}" fill-opacity=".25"/><rect x="520" y="452" width="42" height="100" rx="18" fill="{accent}" fill-opacity=".25"/>"##
        }
        "apparel" => {
            r##"<path d="M320 218 Q400 272 480 218 L602 280 L562 372 L510 346 V592 H290 V346 L238 372 L198 280 Z" fill="#fff"/><path d="M345 226 Q400 300 455 226" stroke="{accent}" stroke-opacity=".3" stroke-width="10" fill="none"/><path d="M290 520 H510" stroke="{accent}" stroke-opacity=".2" stroke-width="12"/>"##
        }
        "toys" => {
            r##"<rect x="220" y="430" width="160" height="160" rx="18" fill="#fff"/><rect x="400" y="430" width="160" height="160" rx="18" fill="#fff" fill-opacity=".86"/><rect x="310" y="258" width="160" height="160" rx="18" fill="#fff" fill-opacity=".94"/><circle cx="390" cy="338" r="42" fill="{accent}" fill-opacity=".3"/><path d="M258 558 L300 464 L342 558 Z" fill="{accent}" fill-opacity=".3"/><rect x="442" y="472" width="76" height="76" rx="10" fill="{accent}" fill-opacity=".25"/>"##
        }
        _ => {
            r##"<path d="M400 228 L582 320 L582 512 L400 604 L218 512 L218 320 Z" fill="#fff"/><path d="M218 320 L400 412 L582 320 M400 412 V604" stroke="{accent}" stroke-opacity=".3" stroke-width="10" fill="none"/>"##
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_deterministic_and_differ_per_product() {
        let first = render_image("oak-chair", "Oak Chair", "home");
        assert_eq!(first, render_image("oak-chair", "Oak Chair", "home"));
        assert_ne!(first.data, render_image("oak-table", "Oak Table", "home").data);
        assert_eq!(first.content_type, "image/svg+xml");
        let svg = String::from_utf8(first.data).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("{accent}"));
    }

    #[test]
    fn names_are_escaped_in_the_label() {
        let svg = String::from_utf8(render_image("x", "<Tom & \"Jerry\">", "toys").data).unwrap();
        assert!(svg.contains("aria-label=\"&lt;Tom &amp; &quot;Jerry&quot;&gt;\""));
    }

    #[test]
    fn a_word_of_the_name_picks_the_object_drawn() {
        let svg = |name: &str, category: &str| {
            String::from_utf8(render_image("x", name, category).data).unwrap()
        };
        // A knife, not the kitchen's pot; a lamp in the audio category, a blanket not a bag.
        assert!(svg("Chef's Knife", "kitchen").contains("rotate(-35 400 400)"));
        let (pot, lamp) = (r#"<rect x="230" y="370" width="340""#, "M300 220 H500 L570 390");
        assert!(!svg("Chef's Knife", "kitchen").contains(pot));
        assert!(svg("Desk Lamp with Wireless Charger", "audio").contains(lamp));
        assert!(svg("Three-Season Sleeping Bag", "outdoors").contains("M262 345 H538"));
        // Whole words only: a pencil case is not a pen, a headlamp not a lamp.
        assert!(!svg("Leather Pencil Case", "stationery").contains("rotate(40 400 400)"));
        assert!(!svg("Rechargeable Headlamp", "outdoors").contains(lamp));
        assert!(svg("Enamel Dutch Oven", "kitchen").contains(pot));
    }

    #[test]
    fn unknown_categories_get_a_generic_parcel() {
        let svg = String::from_utf8(render_image("x", "X", "new-category").data).unwrap();
        assert!(svg.contains("M400 228 L582 320"));
    }
}
