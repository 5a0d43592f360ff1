//! Reading every stream of the corpus: `cfb` against the compound-file
//! index, with plain file reading as the floor.
//!
//! The corpus (`$OXMSG_CORPUS/public/*.msg`) is loaded into memory once.
//! Each round times, in turn, (a) `cfb` opened as oxmsg opens files
//! (`open_repaired`) reading every stream of its walk by path; (b) the
//! index parsed and every stream got by path, borrowed where contiguous;
//! (b') the same, every stream copied into a `Vec` as `cfb` must; (c)
//! `fs::read` of every file; then, to see where the index's time goes, the
//! index parsed and walked, and parsed, walked and every stream looked up
//! by path; (d) the index bare: parsed, every stream got by id through
//! `children` (no paths, no lookups), borrowed. Rounds interleave (a b b' c ... a b b' c ...) so
//! that drift in the machine's load hits all alike; medians are printed.
//!
//! Run: `OXMSG_CORPUS=/work/shared/corpus cargo bench --bench compound_index`
//! (`OXMSG_BENCH_ROUNDS`, default 21).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use oxmsg::__fuzz::{cfb_read_all, index_read_all, CompoundIndex};

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time(f: impl FnOnce() -> usize) -> (Duration, usize) {
    let start = Instant::now();
    let total = black_box(f());
    (start.elapsed(), total)
}

fn main() {
    let Some(dir) = std::env::var_os("OXMSG_CORPUS") else {
        println!("skipped: OXMSG_CORPUS not set");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(PathBuf::from(dir).join("public"))
        .expect("$OXMSG_CORPUS/public")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("msg")))
        .collect();
    files.sort();
    let loaded: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let rounds: usize = std::env::var("OXMSG_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);

    let cfb_pass = || loaded.iter().map(|b| cfb_read_all(b).unwrap_or(0)).sum::<usize>();
    let loaded_ref = &loaded;
    let index_pass = |copy| {
        move || {
            loaded_ref
                .iter()
                .map(|b| index_read_all(b, copy).unwrap_or(0))
                .sum::<usize>()
        }
    };
    // Where the index's time goes: parsing alone, then the walk with a
    // lookup by path per stream.
    let parse_pass = || {
        loaded_ref
            .iter()
            .filter_map(|b| CompoundIndex::parse(b).ok())
            .map(|index| index.walk().count())
            .sum::<usize>()
    };
    let lookup_pass = || {
        let mut found = 0;
        for bytes in loaded_ref {
            let Ok(index) = CompoundIndex::parse(bytes) else {
                continue;
            };
            for (path, id) in index.walk() {
                if index.entry(id).is_some_and(|e| e.is_stream()) {
                    found += usize::from(index.entry_by_path(&path).is_ok());
                }
            }
        }
        found
    };
    // The index bare: every stream by id through `children`, no paths.
    let by_id_pass = || {
        let mut total = 0;
        for bytes in loaded_ref {
            let Ok(index) = CompoundIndex::parse(bytes) else {
                continue;
            };
            let mut storages = vec![index.root()];
            while let Some(storage) = storages.pop() {
                for child in index.children(storage) {
                    match index.entry(child) {
                        Some(entry) if entry.is_stream() => {
                            total += index.stream_bytes(bytes, child).map_or(0, |data| data.len());
                        }
                        Some(_) => storages.push(child),
                        None => {}
                    }
                }
            }
        }
        total
    };
    let fs_pass = || files.iter().map(|p| std::fs::read(p).unwrap().len()).sum::<usize>();

    // Both readers must read the same bytes for the timings to compare.
    let (cfb_bytes, index_bytes) = (cfb_pass(), index_pass(false)());
    assert_eq!(cfb_bytes, index_bytes, "cfb and the index read different amounts");
    let opened = loaded.iter().filter(|b| index_read_all(b, false).is_ok()).count();
    let file_bytes: usize = loaded.iter().map(Vec::len).sum();
    println!(
        "{} files ({} open), {:.1} MiB; {:.1} MiB of stream data per pass; {rounds} rounds",
        files.len(),
        opened,
        file_bytes as f64 / 1048576.0,
        cfb_bytes as f64 / 1048576.0
    );

    let (mut a, mut b, mut b_copy, mut c) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut parse, mut lookup, mut by_id) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        a.push(time(cfb_pass).0);
        b.push(time(index_pass(false)).0);
        b_copy.push(time(index_pass(true)).0);
        c.push(time(fs_pass).0);
        parse.push(time(parse_pass).0);
        lookup.push(time(lookup_pass).0);
        by_id.push(time(by_id_pass).0);
    }
    let (a, b, b_copy, c) = (median(&mut a), median(&mut b), median(&mut b_copy), median(&mut c));
    let (parse, lookup, by_id) = (median(&mut parse), median(&mut lookup), median(&mut by_id));
    println!("(a)  cfb open + read every stream:        {a:>12.3?}");
    println!("(b)  index parse + every stream (borrow): {b:>12.3?}");
    println!("(b') index parse + every stream (copy):   {b_copy:>12.3?}");
    println!("(c)  fs::read of every file:              {c:>12.3?}");
    println!("     index parse + walk only:             {parse:>12.3?}");
    println!("     index parse + walk + path lookups:   {lookup:>12.3?}");
    println!("(d)  index parse + every stream by id:    {by_id:>12.3?}");
    let ratio = |x: Duration, y: Duration| x.as_secs_f64() / y.as_secs_f64();
    println!("a / b  = {:.1}x", ratio(a, b));
    println!("a / b' = {:.1}x", ratio(a, b_copy));
    println!("a / d  = {:.1}x", ratio(a, by_id));
    println!("b / c  = {:.2}, b' / c = {:.2}", ratio(b, c), ratio(b_copy, c));
}
