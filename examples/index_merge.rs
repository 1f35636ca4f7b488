//! Benchmark: the card index's merge (`emission::index::DocIndex::merge`) over a full scan of N
//! documents, 100 per list page as MiniCRM gives them, newest first (card ids falling), and one
//! incremental page after it; against the item-by-item merge it replaced, in the same run.
//! Prints figures; asserts only that both give the same index.
//!
//!   cargo run --release --example index_merge [runs]

use std::time::{Duration, Instant};

use minicrm_smartbill::emission::index::DocIndex;
use minicrm_smartbill::minicrm::DocumentSummary;

fn page(ids: std::ops::Range<u64>, status: &str) -> Vec<DocumentSummary> {
    ids.map(|id| DocumentSummary {
        id,
        project_id: Some(1_000_000 - id),
        status: status.into(),
        ..Default::default()
    })
    .collect()
}

/// A full scan of `n` documents, then one page of 100 of them changed: the two times, and the index.
fn scan(n: u64, merge: fn(&mut DocIndex, &[DocumentSummary])) -> (Duration, Duration, DocIndex) {
    let mut index = DocIndex::default();
    let start = Instant::now();
    for first in (1..=n).step_by(100) {
        merge(&mut index, &page(first..(first + 100).min(n + 1), "Trimisă"));
    }
    let full = start.elapsed();
    let changed = page(1..101, "Acceptată");
    let start = Instant::now();
    merge(&mut index, &changed);
    (full, start.elapsed(), index)
}

fn range(xs: &[Duration]) -> String {
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    let lo = xs.iter().map(ms).fold(f64::INFINITY, f64::min);
    let hi = xs.iter().map(ms).fold(0.0, f64::max);
    format!("{lo:.2}–{hi:.2} ms")
}

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    println!("card index merge, {runs} runs each (native, release)");
    for n in [5_000, 20_000, 50_000] {
        let (mut fast, mut slow) = ((vec![], vec![]), (vec![], vec![]));
        for _ in 0..runs {
            let (full, one, a) = scan(n, DocIndex::merge);
            fast.0.push(full);
            fast.1.push(one);
            let (full, one, b) = scan(n, DocIndex::merge_item_by_item);
            slow.0.push(full);
            slow.1.push(one);
            assert!(a == b, "the two merges differ for {n} documents");
        }
        println!(
            "{n:>6} documents: full scan {} (item by item {}); one page after {} (item by item {})",
            range(&fast.0),
            range(&slow.0),
            range(&fast.1),
            range(&slow.1)
        );
    }
}
