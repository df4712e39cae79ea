//! The demo data a fresh shop starts with: 8 categories, 72 products and their initial stock.
//!
//! It is a fixture shared by two services that each own their part of it: catalog loads the
//! categories and products, inventory the stock levels. Both run it only on an empty database.
//! Product ids are UUIDv7s derived from the slugs, so both services agree on them without talking.

/// A category of the seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedCategory {
    /// URL slug.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
    /// One-sentence description.
    pub description: &'static str,
}

/// A product of the seed.
#[derive(Debug, Clone)]
pub struct SeedProduct {
    /// Deterministic UUIDv7.
    pub id: String,
    /// URL slug.
    pub slug: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Description shown on the product page.
    pub description: &'static str,
    /// Category slug.
    pub category: &'static str,
    /// Price in US cents.
    pub price_cents: i64,
    /// Name/value attributes.
    pub attributes: Vec<(&'static str, &'static str)>,
    /// Shown on the home page.
    pub featured: bool,
    /// Initial stock on hand.
    pub stock: i64,
    /// Creation time in epoch milliseconds (spread so "newest" sorts deterministically).
    pub created_at_ms: i64,
}

/// Returns the seed categories.
pub fn categories() -> &'static [SeedCategory] {
    CATEGORIES
}

/// Returns the seed products, in a stable order.
pub fn products() -> Vec<SeedProduct> {
    PRODUCTS
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let (category, slug, name, price_cents, featured, description, attributes) = *row;
            let hash = fnv1a(slug.as_bytes());
            let created_at_ms = SEED_EPOCH_MS + i64::try_from(index).unwrap_or(0) * 3_600_000;
            SeedProduct {
                id: product_id(slug, created_at_ms),
                slug,
                name,
                description,
                category,
                price_cents,
                attributes: attributes.to_vec(),
                featured,
                stock: initial_stock(hash),
                created_at_ms,
            }
        })
        .collect()
}

/// 2026-01-05T00:00:00Z: the seed's notional creation time.
const SEED_EPOCH_MS: i64 = 1_767_571_200_000;

/// Derives a stable UUIDv7 from a slug and a timestamp.
fn product_id(slug: &str, created_at_ms: i64) -> String {
    let first = fnv1a(slug.as_bytes()).to_le_bytes();
    let second = fnv1a(format!("{slug}#").as_bytes()).to_le_bytes();
    let mut random = [0_u8; 10];
    random[..8].copy_from_slice(&first);
    random[8..].copy_from_slice(&second[..2]);
    let millis = u64::try_from(created_at_ms).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid().to_string()
}

/// Most products have plenty; a few are nearly gone and a couple sold out, so every stock badge shows.
fn initial_stock(hash: u64) -> i64 {
    match hash % 20 {
        0 => 0,
        1 | 2 => 2 + i64::try_from(hash % 4).unwrap_or(0),
        _ => 20 + i64::try_from(hash % 80).unwrap_or(0),
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

const CATEGORIES: &[SeedCategory] = &[
    SeedCategory {
        slug: "kitchen",
        name: "Kitchen",
        description: "Cookware, knives and tools for everyday cooking.",
    },
    SeedCategory {
        slug: "home",
        name: "Home & Living",
        description: "Lamps, textiles and small furniture for calm rooms.",
    },
    SeedCategory {
        slug: "garden",
        name: "Garden",
        description: "Planters, tools and seeds for balconies and backyards.",
    },
    SeedCategory {
        slug: "outdoors",
        name: "Outdoors",
        description: "Gear for hiking, camping and long days outside.",
    },
    SeedCategory {
        slug: "stationery",
        name: "Stationery",
        description: "Notebooks, pens and desk things that make writing a pleasure.",
    },
    SeedCategory {
        slug: "audio",
        name: "Audio & Tech",
        description: "Headphones, speakers and chargers that just work.",
    },
    SeedCategory {
        slug: "apparel",
        name: "Apparel",
        description: "Everyday clothing made to last.",
    },
    SeedCategory {
        slug: "toys",
        name: "Toys & Games",
        description: "Wooden toys, puzzles and games for all ages.",
    },
];

type Row = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    bool,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const PRODUCTS: &[Row] = &[
    (
        "kitchen",
        "cast-iron-skillet",
        "Cast Iron Skillet",
        4_500,
        true,
        "A pre-seasoned 26 cm skillet that goes from stove to oven to table. It holds heat evenly and gets better with every use.",
        &[("Material", "Cast iron"), ("Diameter", "26 cm"), ("Weight", "2.4 kg")],
    ),
    (
        "kitchen",
        "chefs-knife",
        "Chef's Knife",
        8_900,
        false,
        "A 20 cm chef's knife forged from stainless steel with a full tang and a walnut handle. Sharp out of the box and easy to hone.",
        &[("Blade", "20 cm stainless steel"), ("Handle", "Walnut")],
    ),
    (
        "kitchen",
        "enamel-dutch-oven",
        "Enamel Dutch Oven",
        12_900,
        false,
        "A 5-litre enamelled pot for stews, bread and slow Sunday braises. The tight lid keeps moisture where it belongs.",
        &[("Capacity", "5 l"), ("Colour", "Sage green"), ("Oven safe", "Up to 250 °C")],
    ),
    (
        "kitchen",
        "olive-wood-spoons",
        "Olive Wood Spoon Set",
        2_400,
        false,
        "Three spoons carved from a single piece of olive wood each. Gentle on non-stick pans and beautiful on the counter.",
        &[("Pieces", "3"), ("Material", "Olive wood")],
    ),
    (
        "kitchen",
        "pour-over-coffee-set",
        "Pour-Over Coffee Set",
        3_900,
        true,
        "A glass carafe, a ceramic dripper and 100 filters: everything for a clean, bright cup in four minutes.",
        &[("Capacity", "600 ml"), ("Includes", "Dripper, carafe, 100 filters")],
    ),
    (
        "kitchen",
        "linen-tea-towels",
        "Linen Tea Towels",
        1_800,
        false,
        "Two stonewashed linen towels that dry glasses without lint and soften with every wash.",
        &[("Pieces", "2"), ("Size", "50 × 70 cm"), ("Material", "100% linen")],
    ),
    (
        "kitchen",
        "bamboo-cutting-board",
        "Bamboo Cutting Board",
        2_900,
        false,
        "A thick end-grain board with a juice groove. Kind to knife edges and sturdy enough for a whole chicken.",
        &[("Size", "40 × 28 cm"), ("Material", "Bamboo")],
    ),
    (
        "kitchen",
        "stoneware-mug",
        "Stoneware Mug",
        1_600,
        false,
        "A hand-glazed 350 ml mug with a thumb-friendly handle. Each glaze is a little different.",
        &[("Capacity", "350 ml"), ("Dishwasher safe", "Yes")],
    ),
    (
        "kitchen",
        "digital-kitchen-scale",
        "Digital Kitchen Scale",
        2_200,
        false,
        "Weighs up to 5 kg in 1 g steps, with a tare button and a glass top that wipes clean.",
        &[("Capacity", "5 kg"), ("Precision", "1 g"), ("Battery", "2 × AAA")],
    ),
    (
        "home",
        "arc-floor-lamp",
        "Arc Floor Lamp",
        14_900,
        true,
        "A brushed-brass arc lamp that reaches over a sofa and throws warm, even light. Dimmable with a foot switch.",
        &[("Height", "190 cm"), ("Bulb", "E27, up to 60 W"), ("Finish", "Brushed brass")],
    ),
    (
        "home",
        "wool-throw-blanket",
        "Wool Throw Blanket",
        7_900,
        false,
        "A heavy merino throw woven in a herringbone pattern. Warm without weight, made for long evenings.",
        &[("Size", "130 × 180 cm"), ("Material", "Merino wool")],
    ),
    (
        "home",
        "oak-side-table",
        "Oak Side Table",
        11_900,
        false,
        "A solid oak side table with a lower shelf for books. Oiled, not lacquered, so the grain stays tactile.",
        &[("Height", "55 cm"), ("Top", "45 cm diameter"), ("Material", "Solid oak")],
    ),
    (
        "home",
        "linen-cushion-cover",
        "Linen Cushion Cover",
        2_900,
        false,
        "A washed-linen cover with a hidden zip, in a clay colour that goes with almost anything.",
        &[("Size", "50 × 50 cm"), ("Colour", "Clay")],
    ),
    (
        "home",
        "soy-wax-candle",
        "Soy Wax Candle",
        2_400,
        false,
        "Cedar and fig scented candle in a reusable amber glass. Burns cleanly for about 45 hours.",
        &[("Burn time", "45 h"), ("Scent", "Cedar & fig")],
    ),
    (
        "home",
        "woven-storage-basket",
        "Woven Storage Basket",
        3_400,
        false,
        "A seagrass basket with handles, for blankets, toys or the laundry that never gets folded.",
        &[("Diameter", "40 cm"), ("Material", "Seagrass")],
    ),
    (
        "home",
        "wall-clock",
        "Minimal Wall Clock",
        4_900,
        true,
        "A silent-sweep wall clock with a birch face and no numbers to distract you.",
        &[("Diameter", "30 cm"), ("Movement", "Silent sweep")],
    ),
    (
        "home",
        "ceramic-vase",
        "Ceramic Vase",
        3_900,
        false,
        "A matte white vase thrown on the wheel, sized for a handful of wildflowers.",
        &[("Height", "22 cm"), ("Finish", "Matte white")],
    ),
    (
        "home",
        "cotton-bath-towel",
        "Cotton Bath Towel",
        3_200,
        false,
        "A thick, long-staple cotton towel that is soft from the first wash and dries fast.",
        &[("Size", "70 × 140 cm"), ("Weight", "600 g/m²")],
    ),
    (
        "garden",
        "terracotta-planter",
        "Terracotta Planter",
        2_900,
        true,
        "An unglazed terracotta pot with a saucer. It breathes, so roots stay healthy.",
        &[("Diameter", "25 cm"), ("Drainage hole", "Yes")],
    ),
    (
        "garden",
        "pruning-shears",
        "Pruning Shears",
        3_400,
        false,
        "Bypass pruners with a carbon-steel blade that cut cleanly through branches up to 2 cm.",
        &[("Cut capacity", "20 mm"), ("Blade", "Carbon steel")],
    ),
    (
        "garden",
        "watering-can",
        "Galvanised Watering Can",
        3_900,
        false,
        "A 7-litre galvanised can with a brass rose for a gentle, even shower.",
        &[("Capacity", "7 l"), ("Rose", "Brass, removable")],
    ),
    (
        "garden",
        "herb-seed-kit",
        "Kitchen Herb Seed Kit",
        1_900,
        false,
        "Basil, parsley, chives and coriander seeds with compostable pots and a growing guide.",
        &[("Varieties", "4"), ("Pots", "8, compostable")],
    ),
    (
        "garden",
        "garden-kneeler",
        "Garden Kneeler",
        2_600,
        false,
        "A folding kneeler and seat in one, with a thick foam pad and side pockets for tools.",
        &[("Max load", "150 kg"), ("Folded", "8 cm")],
    ),
    (
        "garden",
        "bird-feeder",
        "Cedar Bird Feeder",
        2_900,
        true,
        "A hanging cedar feeder with a wide roof that keeps seed dry in the rain.",
        &[("Material", "Western red cedar"), ("Capacity", "1 kg seed")],
    ),
    (
        "garden",
        "hand-trowel",
        "Hand Trowel",
        1_400,
        false,
        "A stainless trowel with depth markings and an ash handle, for planting bulbs and seedlings.",
        &[("Length", "30 cm"), ("Blade", "Stainless steel")],
    ),
    (
        "garden",
        "compost-bin",
        "Kitchen Compost Bin",
        3_200,
        false,
        "A 5-litre countertop bin with a charcoal filter in the lid, so peelings wait without smelling.",
        &[("Capacity", "5 l"), ("Filter", "Replaceable charcoal")],
    ),
    (
        "garden",
        "solar-string-lights",
        "Solar String Lights",
        2_800,
        false,
        "Ten metres of warm-white lights that charge by day and glow for eight hours at night.",
        &[("Length", "10 m"), ("Bulbs", "50 LED")],
    ),
    (
        "outdoors",
        "trail-backpack",
        "Trail Backpack 28L",
        8_900,
        true,
        "A 28-litre pack with a ventilated back panel, a rain cover and a pocket for a hydration bladder.",
        &[("Volume", "28 l"), ("Weight", "950 g"), ("Rain cover", "Included")],
    ),
    (
        "outdoors",
        "insulated-bottle",
        "Insulated Bottle",
        2_900,
        false,
        "A double-walled steel bottle that keeps drinks cold for 24 hours or hot for 12.",
        &[("Capacity", "750 ml"), ("Material", "Stainless steel")],
    ),
    (
        "outdoors",
        "two-person-tent",
        "Two-Person Tent",
        19_900,
        false,
        "A freestanding tent that pitches in five minutes, with two doors and a fully taped fly.",
        &[("Sleeps", "2"), ("Weight", "2.1 kg"), ("Waterproofing", "3000 mm")],
    ),
    (
        "outdoors",
        "headlamp",
        "Rechargeable Headlamp",
        3_400,
        false,
        "A 400-lumen headlamp with a red night mode and USB-C charging. Light enough to forget it is there.",
        &[("Output", "400 lm"), ("Charging", "USB-C")],
    ),
    (
        "outdoors",
        "camp-stove",
        "Compact Camp Stove",
        4_900,
        false,
        "A folding canister stove that boils a litre of water in under four minutes.",
        &[("Weight", "85 g"), ("Fuel", "Screw-on gas canister")],
    ),
    (
        "outdoors",
        "merino-hiking-socks",
        "Merino Hiking Socks",
        1_900,
        false,
        "Cushioned merino socks that stay warm when wet and do not smell after a long day.",
        &[("Material", "70% merino"), ("Pairs", "2")],
    ),
    (
        "outdoors",
        "sleeping-bag",
        "Three-Season Sleeping Bag",
        12_900,
        true,
        "A synthetic-fill mummy bag rated to 0 °C that packs down to the size of a loaf of bread.",
        &[("Comfort", "5 °C"), ("Limit", "0 °C"), ("Weight", "1.3 kg")],
    ),
    (
        "outdoors",
        "trekking-poles",
        "Trekking Poles",
        5_900,
        false,
        "A pair of aluminium poles with cork grips and quick-lock adjustment from 100 to 135 cm.",
        &[("Length", "100–135 cm"), ("Grip", "Cork")],
    ),
    (
        "outdoors",
        "picnic-blanket",
        "Waterproof Picnic Blanket",
        3_900,
        false,
        "A soft fleece blanket with a waterproof backing that folds into its own carry strap.",
        &[("Size", "150 × 200 cm"), ("Backing", "Waterproof")],
    ),
    (
        "stationery",
        "dot-grid-notebook",
        "Dot Grid Notebook",
        1_800,
        true,
        "A lay-flat A5 notebook with 192 numbered pages of 100 g/m² paper that does not bleed.",
        &[("Size", "A5"), ("Pages", "192"), ("Paper", "100 g/m²")],
    ),
    (
        "stationery",
        "fountain-pen",
        "Fountain Pen",
        4_900,
        false,
        "A balanced brass fountain pen with a fine steel nib and a converter for bottled ink.",
        &[("Nib", "Fine, steel"), ("Body", "Brass")],
    ),
    (
        "stationery",
        "desk-organiser",
        "Walnut Desk Organiser",
        3_900,
        false,
        "A walnut tray with slots for pens, cards and a phone. Tidy without trying.",
        &[("Material", "Walnut"), ("Size", "30 × 12 cm")],
    ),
    (
        "stationery",
        "gel-pen-set",
        "Gel Pen Set",
        1_200,
        false,
        "Ten quick-drying 0.5 mm gel pens in muted colours for notes, plans and diagrams.",
        &[("Pens", "10"), ("Tip", "0.5 mm")],
    ),
    (
        "stationery",
        "weekly-planner",
        "Undated Weekly Planner",
        2_200,
        false,
        "A linen-bound planner with 52 undated weeks, so you can start any time.",
        &[("Weeks", "52"), ("Binding", "Linen, sewn")],
    ),
    (
        "stationery",
        "brass-ruler",
        "Brass Ruler",
        1_600,
        false,
        "A 20 cm solid brass ruler that doubles as a bookmark and a paperweight.",
        &[("Length", "20 cm"), ("Material", "Solid brass")],
    ),
    (
        "stationery",
        "watercolour-set",
        "Watercolour Travel Set",
        3_400,
        true,
        "Twelve artist-grade half pans in a tin with a water brush and a small sketchbook.",
        &[("Colours", "12"), ("Includes", "Water brush, sketchbook")],
    ),
    (
        "stationery",
        "sticky-notes",
        "Recycled Sticky Notes",
        900,
        false,
        "Six pads of recycled-paper notes that stick firmly and peel off cleanly.",
        &[("Pads", "6"), ("Size", "76 × 76 mm")],
    ),
    (
        "stationery",
        "leather-pencil-case",
        "Leather Pencil Case",
        2_900,
        false,
        "A vegetable-tanned leather case with a zip, big enough for a dozen pens.",
        &[("Material", "Vegetable-tanned leather"), ("Length", "21 cm")],
    ),
    (
        "audio",
        "wireless-headphones",
        "Wireless Headphones",
        17_900,
        true,
        "Over-ear headphones with active noise cancelling, 30 hours of battery and a fold-flat design.",
        &[("Battery", "30 h"), ("Noise cancelling", "Active"), ("Charging", "USB-C")],
    ),
    (
        "audio",
        "bluetooth-speaker",
        "Portable Speaker",
        7_900,
        false,
        "A splash-proof speaker with rich bass and 12 hours of play on one charge.",
        &[("Battery", "12 h"), ("Water resistance", "IPX5")],
    ),
    (
        "audio",
        "true-wireless-earbuds",
        "True Wireless Earbuds",
        9_900,
        false,
        "Compact earbuds with a charging case, clear calls and touch controls.",
        &[("Battery", "6 h + 24 h case"), ("Charging", "USB-C, wireless")],
    ),
    (
        "audio",
        "usb-c-charger",
        "65 W USB-C Charger",
        3_900,
        false,
        "A compact gallium-nitride charger with two USB-C ports that charges a laptop and a phone at once.",
        &[("Output", "65 W"), ("Ports", "2 × USB-C")],
    ),
    (
        "audio",
        "braided-cable",
        "Braided USB-C Cable",
        1_400,
        false,
        "A two-metre braided cable rated for 100 W and 10,000 bends.",
        &[("Length", "2 m"), ("Rating", "100 W")],
    ),
    (
        "audio",
        "desk-lamp-charger",
        "Desk Lamp with Wireless Charger",
        5_900,
        false,
        "An adjustable LED desk lamp whose base charges your phone while you work.",
        &[("Brightness", "5 levels"), ("Charging", "Qi, 10 W")],
    ),
    (
        "audio",
        "record-player",
        "Belt-Drive Record Player",
        24_900,
        true,
        "A belt-drive turntable with a built-in preamp, a felt mat and a walnut plinth.",
        &[("Speeds", "33⅓ and 45 rpm"), ("Preamp", "Built in")],
    ),
    (
        "audio",
        "e-reader-sleeve",
        "Felt E-Reader Sleeve",
        1_900,
        false,
        "A wool-felt sleeve that protects a 6-inch e-reader in a bag.",
        &[("Fits", "6-inch devices"), ("Material", "Wool felt")],
    ),
    (
        "audio",
        "power-bank",
        "10,000 mAh Power Bank",
        3_400,
        false,
        "A slim power bank that charges a phone about twice, with USB-C in and out.",
        &[("Capacity", "10,000 mAh"), ("Ports", "USB-C, USB-A")],
    ),
    (
        "apparel",
        "organic-cotton-tee",
        "Organic Cotton T-Shirt",
        2_900,
        true,
        "A heavyweight organic-cotton tee with a relaxed fit that keeps its shape wash after wash.",
        &[("Material", "100% organic cotton"), ("Fit", "Relaxed")],
    ),
    (
        "apparel",
        "merino-sweater",
        "Merino Crew Sweater",
        9_900,
        false,
        "A fine-gauge merino sweater that is warm, breathable and never itchy.",
        &[("Material", "100% merino wool"), ("Care", "Machine wash, wool cycle")],
    ),
    (
        "apparel",
        "rain-jacket",
        "Packable Rain Jacket",
        11_900,
        false,
        "A fully waterproof, breathable shell that folds into its own pocket.",
        &[("Waterproofing", "10,000 mm"), ("Weight", "290 g")],
    ),
    (
        "apparel",
        "canvas-tote",
        "Canvas Tote Bag",
        2_400,
        false,
        "A sturdy waxed-canvas tote with an inside pocket and leather handles.",
        &[("Volume", "18 l"), ("Material", "Waxed canvas")],
    ),
    (
        "apparel",
        "wool-beanie",
        "Wool Beanie",
        2_600,
        false,
        "A ribbed lambswool beanie that keeps ears warm without overheating.",
        &[("Material", "Lambswool")],
    ),
    (
        "apparel",
        "denim-jacket",
        "Selvedge Denim Jacket",
        15_900,
        true,
        "A classic trucker jacket cut from rigid selvedge denim that fades with you.",
        &[("Fabric", "14 oz selvedge denim"), ("Fit", "Regular")],
    ),
    (
        "apparel",
        "linen-shirt",
        "Linen Shirt",
        6_900,
        false,
        "A washed-linen shirt with a camp collar, cool on the hottest days.",
        &[("Material", "100% linen"), ("Collar", "Camp")],
    ),
    (
        "apparel",
        "leather-belt",
        "Leather Belt",
        4_500,
        false,
        "A full-grain leather belt with a solid brass buckle, made to outlast its owner.",
        &[("Width", "35 mm"), ("Buckle", "Solid brass")],
    ),
    (
        "apparel",
        "cotton-socks",
        "Cotton Socks, 3 Pairs",
        1_500,
        false,
        "Soft combed-cotton socks with a reinforced heel and toe.",
        &[("Pairs", "3"), ("Material", "Combed cotton")],
    ),
    (
        "toys",
        "wooden-building-blocks",
        "Wooden Building Blocks",
        3_900,
        true,
        "Fifty beech blocks in nine shapes, sanded smooth and finished with a food-safe oil.",
        &[("Pieces", "50"), ("Material", "Beech"), ("Age", "1+")],
    ),
    (
        "toys",
        "jigsaw-puzzle",
        "1000-Piece Jigsaw Puzzle",
        2_400,
        false,
        "A thousand thick, tight-fitting pieces forming an illustrated map of a coastal town.",
        &[("Pieces", "1000"), ("Finished size", "68 × 48 cm")],
    ),
    (
        "toys",
        "wooden-train-set",
        "Wooden Train Set",
        5_900,
        false,
        "Thirty pieces of track, a bridge and a magnetic train with three carriages.",
        &[("Pieces", "30"), ("Age", "3+")],
    ),
    (
        "toys",
        "chess-set",
        "Folding Chess Set",
        4_900,
        true,
        "A walnut and maple folding board with weighted pieces stored inside.",
        &[("Board", "38 cm"), ("Pieces", "Weighted")],
    ),
    (
        "toys",
        "stacking-rainbow",
        "Stacking Rainbow",
        3_200,
        false,
        "Seven arches of painted wood that stack, balance and become anything a child imagines.",
        &[("Pieces", "7"), ("Paint", "Water-based")],
    ),
    (
        "toys",
        "card-game",
        "Family Card Game",
        1_600,
        false,
        "A quick-to-learn card game for two to six players, ages seven and up.",
        &[("Players", "2–6"), ("Age", "7+")],
    ),
    (
        "toys",
        "plush-bear",
        "Organic Plush Bear",
        2_900,
        false,
        "A soft bear made from organic cotton and filled with recycled fibre.",
        &[("Height", "30 cm"), ("Material", "Organic cotton")],
    ),
    (
        "toys",
        "kite",
        "Stunt Kite",
        3_400,
        false,
        "A two-line ripstop kite that loops and dives in a gentle breeze.",
        &[("Span", "120 cm"), ("Lines", "2 × 25 m")],
    ),
    (
        "toys",
        "marble-run",
        "Marble Run",
        4_400,
        false,
        "A hundred-piece wooden marble run with twists, drops and a spiral tower.",
        &[("Pieces", "100"), ("Marbles", "10")],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seed_has_at_least_sixty_products_in_six_categories() {
        let products = products();
        assert!(products.len() >= 60);
        let categories: HashSet<_> = products.iter().map(|p| p.category).collect();
        assert!(categories.len() >= 6);
        assert!(products.iter().all(|p| CATEGORIES.iter().any(|c| c.slug == p.category)));
    }

    #[test]
    fn ids_and_slugs_are_unique_and_stable() {
        let products = products();
        let ids: HashSet<_> = products.iter().map(|p| p.id.clone()).collect();
        let slugs: HashSet<_> = products.iter().map(|p| p.slug).collect();
        assert_eq!(ids.len(), products.len());
        assert_eq!(slugs.len(), products.len());
        assert_eq!(super::products()[0].id, products[0].id);
        assert_eq!(uuid::Uuid::parse_str(&products[0].id).unwrap().get_version_num(), 7);
    }

    #[test]
    fn stock_shows_every_badge() {
        let stock: Vec<i64> = products().iter().map(|p| p.stock).collect();
        assert!(stock.contains(&0));
        assert!(stock.iter().any(|s| (1..=5).contains(s)));
        assert!(stock.iter().filter(|s| **s > 5).count() > 50);
    }
}
