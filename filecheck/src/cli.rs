//! The `filecheck` command line, as LLVM FileCheck's: `filecheck CHECKFILE [--input-file F]
//! [options]`. Shared by the `filecheck` binary and `strata-lit` (which serves `FileCheck`
//! in RUN lines).

use std::io::Read;

use crate::{check, DumpInput, Options};

const HELP: &str = "usage: filecheck CHECKFILE [--input-file FILE] [options]

  --check-prefix=P / --check-prefixes=P1,P2   directive prefixes (default CHECK)
  --comment-prefixes=P1,P2                    comment prefixes (default COM,RUN)
  --allow-unused-prefixes                     do not require every prefix to be used
  --implicit-check-not=PATTERN                a CHECK-NOT between every pair of checks
  --match-full-lines --strict-whitespace --ignore-case
  -D NAME=VALUE  -D#[%fmt,]NAME=VALUE         define string / numeric variables
  --allow-empty --enable-var-scope
  --dump-input=fail|always|never              annotated input on failure (default fail)
  --diff                                      unified diff of expected against found on failure
  --version                                   the version
Exit status: 0 match, 1 mismatch, 2 bad check file or usage.
";

/// Runs with `args` (without the program name); returns the exit status.
pub fn main(args: Vec<String>) -> i32 {
    let mut opts = Options::default();
    let mut check_file = None;
    let mut input_file = None;
    let mut i = 0;
    let value = |i: &mut usize, flag: &str, arg: &str| -> Result<String, String> {
        if let Some(v) = arg.split_once('=').map(|(_, v)| v.to_string()) {
            return Ok(v);
        }
        *i += 1;
        args.get(*i).cloned().ok_or_else(|| format!("option '{flag}' needs a value"))
    };
    while i < args.len() {
        let arg = args[i].clone();
        // LLVM accepts both -flag and --flag.
        let flag = arg.trim_start_matches('-');
        let name = flag.split('=').next().unwrap_or("");
        let result: Result<(), String> = (|| {
            match name {
                "help" | "h" => {
                    print!("{HELP}");
                    return Err(String::new());
                }
                "version" => {
                    println!("filecheck {}", env!("CARGO_PKG_VERSION"));
                    return Err(String::new());
                }
                "input-file" => input_file = Some(value(&mut i, name, flag)?),
                "check-prefix" => opts.check_prefixes.push(value(&mut i, name, flag)?),
                "check-prefixes" => opts.check_prefixes.extend(value(&mut i, name, flag)?.split(',').map(String::from)),
                "comment-prefixes" => {
                    opts.comment_prefixes.extend(value(&mut i, name, flag)?.split(',').map(String::from))
                }
                "allow-unused-prefixes" => opts.allow_unused_prefixes = bool_flag(flag)?,
                "implicit-check-not" => opts.implicit_check_not.push(value(&mut i, name, flag)?),
                "match-full-lines" => opts.match_full_lines = bool_flag(flag)?,
                "strict-whitespace" => opts.strict_whitespace = bool_flag(flag)?,
                "ignore-case" => opts.ignore_case = bool_flag(flag)?,
                "allow-empty" => opts.allow_empty = bool_flag(flag)?,
                "enable-var-scope" => opts.enable_var_scope = bool_flag(flag)?,
                "diff" => opts.diff = bool_flag(flag)?,
                "dump-input" => {
                    opts.dump_input = match value(&mut i, name, flag)?.as_str() {
                        "fail" => DumpInput::Fail,
                        "always" => DumpInput::Always,
                        "never" => DumpInput::Never,
                        "help" => {
                            println!("The input dump shows the input with each check's match (^~~) or failure (X~~) under its line.");
                            return Err(String::new());
                        }
                        other => return Err(format!("invalid --dump-input value '{other}'")),
                    }
                }
                _ if flag.starts_with("D#") => opts.numeric_defines.push(flag[2..].to_string()),
                _ if flag.starts_with('D') && arg.starts_with('-') => {
                    let def = if flag.len() > 1 {
                        flag[1..].to_string()
                    } else {
                        i += 1;
                        args.get(i).cloned().ok_or("option '-D' needs a value")?
                    };
                    if let Some(num) = def.strip_prefix('#') {
                        opts.numeric_defines.push(num.to_string());
                    } else {
                        let (k, v) = def.split_once('=').ok_or_else(|| format!("missing equal sign in '-D{def}'"))?;
                        if k.is_empty() {
                            return Err(format!("empty variable name in '-D{def}'"));
                        }
                        opts.defines.push((k.to_string(), v.to_string()));
                    }
                }
                _ if !arg.starts_with('-') || arg == "-" => {
                    if check_file.is_some() {
                        return Err(format!("unexpected argument '{arg}'"));
                    }
                    check_file = Some(arg.clone());
                }
                _ => return Err(format!("unknown option '{arg}'")),
            }
            Ok(())
        })();
        match result {
            // Help was printed.
            Err(e) if e.is_empty() => return 0,
            Err(e) => {
                eprintln!("filecheck: {e}");
                return 2;
            }
            Ok(()) => {}
        }
        i += 1;
    }
    let Some(check_path) = check_file else {
        eprintln!("filecheck: no check file given\n{HELP}");
        return 2;
    };
    let check_text = match std::fs::read(&check_path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("Could not open check file '{check_path}': {e}");
            return 2;
        }
    };
    let (input, input_name) = match input_file.as_deref() {
        None | Some("-") => {
            let mut buf = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
                eprintln!("Could not read standard input: {e}");
                return 2;
            }
            (String::from_utf8_lossy(&buf).into_owned(), "<stdin>".to_string())
        }
        Some(p) => match std::fs::read(p) {
            Ok(b) => (String::from_utf8_lossy(&b).into_owned(), p.to_string()),
            Err(e) => {
                eprintln!("Could not open input file '{p}': {e}");
                return 2;
            }
        },
    };
    let outcome = check(&check_text, &check_path, &input, &input_name, &opts);
    eprint!("{}", outcome.stderr);
    outcome.status
}

/// `--flag` or `--flag=true|false`.
fn bool_flag(flag: &str) -> Result<bool, String> {
    match flag.split_once('=') {
        None => Ok(true),
        Some((_, "true" | "1")) => Ok(true),
        Some((_, "false" | "0")) => Ok(false),
        Some((n, v)) => Err(format!("invalid value '{v}' for --{n}")),
    }
}
