//! Product images, generated: a gradient in the category's palette with a simple illustration of
//! the category, varied per product. Nothing is downloaded, and every product always has one.

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

/// Renders the image of a product from its slug (which varies it) and category (which picks the
/// palette and illustration).
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
    svg.push_str(&illustration(category).replace("{accent}", from));
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
fn illustration(category: &str) -> &'static str {
    match category {
        "kitchen" => {
            r##"<rect x="230" y="370" width="340" height="220" rx="48" fill="#fff"/><rect x="200" y="340" width="400" height="46" rx="23" fill="#fff" fill-opacity=".88"/><rect x="365" y="298" width="70" height="46" rx="18" fill="#fff" fill-opacity=".88"/><rect x="150" y="410" width="90" height="30" rx="15" fill="#fff" fill-opacity=".88"/><rect x="560" y="410" width="90" height="30" rx="15" fill="#fff" fill-opacity=".88"/><rect x="230" y="445" width="340" height="22" fill="{accent}" fill-opacity=".25"/>"##
        }
        "home" => {
            r##"<path d="M300 220 H500 L570 390 H230 Z" fill="#fff"/><rect x="388" y="390" width="24" height="185" fill="#fff" fill-opacity=".88"/><ellipse cx="400" cy="588" rx="110" ry="24" fill="#fff" fill-opacity=".92"/><path d="M262 360 H538" stroke="{accent}" stroke-opacity=".28" stroke-width="12"/>"##
        }
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
    fn unknown_categories_get_a_generic_parcel() {
        let svg = String::from_utf8(render_image("x", "X", "new-category").data).unwrap();
        assert!(svg.contains("M400 228 L582 320"));
    }
}
