//! msg2eml: convert an Outlook .msg to an Internet message (.eml) and print
//! what the .eml could not hold.
//!
//! Run: `cargo run --example msg2eml [-- IN.msg OUT.eml]`. Without arguments
//! it builds a sample message (HTML body, inline image, attachment,
//! category) in memory and prints its .eml on stdout.
//! The conversion report goes to stderr, one line per loss; the exit status
//! is non-zero, with a message, when the input cannot be converted.

use std::process::ExitCode;

use oxmsg::{named, Draft, Session};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let session = Session::new();
    let result = match args.as_slice() {
        [] => sample(&session),
        [input, output] => convert(&session, input, output),
        _ => {
            eprintln!("usage: msg2eml [IN.msg OUT.eml]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(report) => {
            eprint!("{report}");
            eprintln!("{} loss(es) reported", report.losses.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("msg2eml: cannot convert: {e}");
            ExitCode::FAILURE
        }
    }
}

fn convert(session: &Session, input: &str, output: &str) -> oxmsg::Result<oxmsg::ConversionReport> {
    let msg = session.opener().path(input)?;
    // Not a regular file (/dev/stdout, a pipe, /dev/null): written in place,
    // never replaced by a rename.
    if std::fs::metadata(output).is_ok_and(|m| !m.is_file()) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(output)
            .map_err(|e| oxmsg::Error::Io {
                context: format!("opening {output}"),
                source: e,
            })?;
        return msg.to_eml(std::io::BufWriter::new(file));
    }
    // Write beside the target, then rename: a failed conversion leaves no half file.
    let tmp = format!("{output}.part");
    let file = std::fs::File::create(&tmp).map_err(|e| oxmsg::Error::Io {
        context: format!("creating {tmp}"),
        source: e,
    })?;
    let report = msg.to_eml(std::io::BufWriter::new(file));
    match report {
        Ok(r) => {
            std::fs::rename(&tmp, output).map_err(|e| oxmsg::Error::Io {
                context: format!("renaming {tmp} to {output}"),
                source: e,
            })?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn sample(session: &Session) -> oxmsg::Result<oxmsg::ConversionReport> {
    let msg = Draft::new("Quarterly report — résumé")
        .to("Bob Example", "bob@example.com")
        .cc("Zoë Exemple", "zoe@example.org")
        .html("<p>The chart:</p><img src=\"cid:chart\"><p>Figures attached.</p>")
        .inline_image(
            "chart",
            "chart.png",
            "image/png",
            vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10],
        )
        .attach("données.csv", "text/csv", b"quarter,revenue\nQ3,42\n".to_vec())
        .create(session)?;
    msg.set_sender("Alice Example", "alice@example.com")?;
    msg.set_named(named::KEYWORDS, vec!["Finance".to_string()])?;
    let report = msg.to_eml(std::io::stdout().lock())?;
    Ok(report)
}
