use oxmsg::*;
fn main() {
    let s = Session::new();
    let mut ok = 0; let mut bad = 0;
    let mut paths: Vec<_> = std::fs::read_dir("/work/shared/corpus/public").unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for p in paths {
        match s.open_file(&p) {
            Ok(m) => {
                match m.props() { Ok(_) => {}, Err(e) => println!("{}: props err {e}", p.display()) }
                let subj = m.get(tags::SUBJECT);
                let r = m.recipients().map(|r| r.len());
                let a = m.attachments().map(|a| a.len());
                if r.is_err() || a.is_err() || subj.is_err() { println!("{}: {:?} {:?} {:?}", p.display(), subj.err(), r.err(), a.err()); }
                // round trip
                let bytes = m.to_bytes();
                match bytes { Ok(b) => { match s.open(std::io::Cursor::new(b)) { Ok(m2) => { if m2.get(tags::SUBJECT).ok() != m.get(tags::SUBJECT).ok() { println!("{}: subject differs", p.display()) } }, Err(e) => println!("{}: reopen {e}", p.display()) } }, Err(e) => println!("{}: save {e}", p.display()) }
                ok += 1;
            }
            Err(e) => { bad += 1; println!("{}: {e}", p.file_name().unwrap().to_string_lossy()) }
        }
    }
    println!("ok {ok} bad {bad}");
}
