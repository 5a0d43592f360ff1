//! eml2msg: convert an Internet message (.eml) to an Outlook .msg and print
//! what the .msg could not hold.
//!
//! Run: `cargo run --example eml2msg [-- IN.eml OUT.msg]`. Without arguments
//! it converts a built-in sample (text and HTML bodies, an inline image, an
//! attachment with a non-ASCII name, a forwarded message) and prints what
//! the new .msg holds. The conversion report goes to stderr, one line per
//! loss; the exit status is non-zero, with a message, when the input cannot
//! be converted.

use std::process::ExitCode;

use oxmsg::{tags, Session};

const SAMPLE: &str = "From: Alice Example <alice@example.com>\r
To: Bob Example <bob@example.com>, carol@example.com\r
Subject: RE: =?utf-8?q?Quarterly_r=C3=A9sum=C3=A9?=\r
Date: Tue, 01 Dec 2026 10:00:00 +0100\r
Message-ID: <sample-1@example.com>\r
Keywords: Finance\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"outer\"\r
\r
--outer\r
Content-Type: multipart/related; boundary=\"rel\"\r
\r
--rel\r
Content-Type: multipart/alternative; boundary=\"alt\"\r
\r
--alt\r
Content-Type: text/plain; charset=iso-8859-1\r
Content-Transfer-Encoding: quoted-printable\r
\r
The chart is below. R=E9sum=E9 attached.\r
--alt\r
Content-Type: text/html; charset=utf-8\r
\r
<p>The chart is below.</p><img src=\"cid:chart@x\">\r
--alt--\r
--rel\r
Content-Type: image/png\r
Content-ID: <chart@x>\r
Content-Transfer-Encoding: base64\r
\r
iVBORw0KGgo=\r
--rel--\r
--outer\r
Content-Type: text/csv; name*=utf-8''donn%C3%A9es.csv\r
Content-Disposition: attachment; filename*=utf-8''donn%C3%A9es.csv\r
\r
quarter,revenue\r
Q3,42\r
--outer\r
Content-Type: message/rfc822\r
\r
From: carol@example.com\r
To: alice@example.com\r
Subject: the numbers\r
\r
Here they are.\r
--outer--\r
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let session = Session::new();
    let result = match args.as_slice() {
        [] => sample(&session),
        [input, output] => convert(&session, input, output),
        _ => {
            eprintln!("usage: eml2msg [IN.eml OUT.msg]");
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
            eprintln!("eml2msg: cannot convert: {e}");
            ExitCode::FAILURE
        }
    }
}

fn convert(session: &Session, input: &str, output: &str) -> oxmsg::Result<oxmsg::ConversionReport> {
    let file = std::fs::File::open(input).map_err(|e| oxmsg::Error::Io {
        context: format!("opening {input}"),
        source: e,
    })?;
    let (msg, report) = session.open_eml(std::io::BufReader::new(file))?;
    if std::fs::metadata(output).is_ok_and(|m| !m.is_file()) {
        // Not a regular file (/dev/stdout, a pipe, /dev/null): written in
        // place, never replaced by a rename.
        let out = std::fs::OpenOptions::new()
            .write(true)
            .open(output)
            .map_err(|e| oxmsg::Error::Io {
                context: format!("opening {output}"),
                source: e,
            })?;
        msg.save_to(std::io::BufWriter::new(out))?;
    } else {
        msg.save_as(output)?; // atomic: a temporary file beside it, then a rename
    }
    Ok(report)
}

fn sample(session: &Session) -> oxmsg::Result<oxmsg::ConversionReport> {
    let (msg, report) = session.open_eml(SAMPLE.as_bytes())?;
    println!("class:      {:?}", msg.get(tags::MESSAGE_CLASS)?);
    println!("subject:    {:?}", msg.get(tags::SUBJECT)?);
    println!("prefix:     {:?}", msg.get(tags::SUBJECT_PREFIX)?);
    println!(
        "from:       {:?} <{:?}>",
        msg.get(tags::SENDER_NAME)?,
        msg.get(tags::SENDER_SMTP_ADDRESS)?
    );
    println!("to:         {:?}", msg.get(tags::DISPLAY_TO)?);
    println!("categories: {:?}", msg.get_named(oxmsg::named::KEYWORDS)?);
    println!("text body:  {:?}", msg.body_text()?);
    println!("html body:  {:?}", msg.get_value(tags::HTML)?.is_some());
    for a in msg.attachments()? {
        if a.is_embedded() {
            let inner = a.open_embedded()?;
            println!("embedded:   {:?}", inner.get(tags::SUBJECT)?);
        } else {
            println!(
                "attachment: {:?} {:?} {} bytes, content id {:?}, hidden {}",
                a.filename()?,
                a.mime_type()?,
                a.size()?.unwrap_or(0),
                a.content_id()?,
                a.is_hidden()?
            );
        }
    }
    Ok(report)
}
