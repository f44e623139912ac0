//! The command line: how many connections, how long each scenario runs, where the studio and the
//! function binaries are. Every option has the value of the full run by hand as its default.

use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "usage: load [options]
  --url URL                 a running studio-local (default: start one: PostgreSQL, stand-ins, functions)
  --connections N           concurrent connections per scenario (default 1000)
  --duration SECS           length of the gallery and template scenarios (default 20)
  --generate-requests N     generations in the generation scenario (default: one per connection)
  --gallery-users N         users whose galleries are listed (default 50)
  --timeout SECS            a request unanswered this long is an error (default 300)
  --cpu-requests N          requests per route when measuring CPU (default 500; at most 40 for login and generate)
  --functions DIR           where the api/ binaries are (default: beside this program, e.g. target/release)
  --function NAME=PATH      one api/ binary elsewhere (NAME: gallery, templates, generate, auth, cron-reset)
  --no-cpu                  skip the CPU measurement
  --json FILE               also write the figures as JSON";

#[derive(Clone, Debug)]
pub struct Options {
    pub url: Option<String>,
    pub connections: usize,
    pub duration: Duration,
    pub generate_requests: Option<usize>,
    pub gallery_users: usize,
    pub timeout: Duration,
    pub cpu_requests: Option<usize>,
    pub functions: PathBuf,
    pub function_paths: Vec<(String, PathBuf)>,
    pub json: Option<PathBuf>,
}

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let beside_me = std::env::current_exe().ok().and_then(|exe| exe.parent().map(PathBuf::from));
        let mut options = Self {
            url: None,
            connections: 1000,
            duration: Duration::from_secs(20),
            generate_requests: None,
            gallery_users: 50,
            timeout: Duration::from_secs(300),
            cpu_requests: Some(500),
            functions: beside_me.unwrap_or_default(),
            function_paths: Vec::new(),
            json: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--no-cpu" {
                options.cpu_requests = None;
                continue;
            }
            let value = args.next().ok_or(format!("{arg} needs a value"))?;
            match arg.as_str() {
                "--url" => options.url = Some(value.trim_end_matches('/').to_owned()),
                "--connections" => options.connections = positive(&arg, &value)?,
                "--duration" => options.duration = Duration::from_secs_f64(seconds(&arg, &value)?),
                "--generate-requests" => options.generate_requests = Some(positive(&arg, &value)?),
                "--gallery-users" => options.gallery_users = positive(&arg, &value)?,
                "--timeout" => options.timeout = Duration::from_secs_f64(seconds(&arg, &value)?),
                "--cpu-requests" => options.cpu_requests = Some(positive(&arg, &value)?),
                "--functions" => options.functions = PathBuf::from(value),
                "--function" => {
                    let (name, path) = value.split_once('=').ok_or(format!("{arg}: expected NAME=PATH"))?;
                    options.function_paths.push((name.to_owned(), PathBuf::from(path)));
                }
                "--json" => options.json = Some(PathBuf::from(value)),
                _ => return Err(format!("unknown option {arg}")),
            }
        }
        Ok(options)
    }

    /// The binary serving `name` (as `studio-api` names its bins).
    pub fn function(&self, name: &str) -> PathBuf {
        self.function_paths
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| self.functions.join(name), |(_, p)| p.clone())
    }

    pub fn generate_requests(&self) -> usize {
        self.generate_requests.unwrap_or(self.connections)
    }
}

fn positive(name: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name}: expected a positive whole number, got {value:?}")),
    }
}

fn seconds(name: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(s),
        _ => Err(format!("{name}: expected a positive number of seconds, got {value:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn defaults_are_the_full_run() {
        let options = parse(&[]).unwrap();
        assert_eq!((options.connections, options.generate_requests(), options.cpu_requests), (1000, 1000, Some(500)));
    }

    #[test]
    fn a_named_function_path_wins_over_the_directory() {
        let options = parse(&["--functions", "/x", "--function", "auth=/y/auth-bin"]).unwrap();
        assert_eq!(options.function("auth"), PathBuf::from("/y/auth-bin"));
        assert_eq!(options.function("gallery"), PathBuf::from("/x/gallery"));
    }

    #[test]
    fn bad_values_name_the_option() {
        for (args, expected) in [
            (&["--connections", "0"][..], "--connections"),
            (&["--duration", "-1"][..], "--duration"),
            (&["--timeout", "soon"][..], "--timeout"),
            (&["--function", "gallery"][..], "--function"),
            (&["--json"][..], "--json needs a value"),
            (&["--fast", "1"][..], "unknown option --fast"),
        ] {
            let err = parse(args).unwrap_err();
            assert!(err.contains(expected), "{args:?}: {err}");
        }
    }
}
