//! Which git hosts are CodeCommit, what of a request gets signed, and the
//! host a region's repositories live at.
//!
//! The signature copies the AWS CLI's `codecommit credential-helper`
//! (awscli's `customizations/codecommit.py`): the AWS CLI's own region
//! pattern, the port dropped from the signed host name, and the path as
//! Python's `urlsplit` would see it. The host test does not: the AWS CLI
//! answers any host that merely contains `amazonaws.com` or `amazon.com`
//! (`….amazonaws.com.evil.example` too), which hands a live password to
//! whoever serves such a name. Here only the names of CodeCommit's git
//! endpoints pass, matched label by label. Pure functions.

/// The services whose endpoints serve CodeCommit's git.
const SERVICES: [&str; 2] = ["git-codecommit", "git-codecommit-fips"];

/// The domains of the partitions with CodeCommit: every region's, and
/// China's.
const DOMAINS: [&[&str]; 2] = [&["amazonaws", "com"], &["amazonaws", "com", "cn"]];

/// `host` (git's, `:PORT` included) as DNS compares names: lower case,
/// without the trailing dot that makes a name absolute.
pub fn canonical_host(host: &str) -> String {
    let (name, port) = split_port(host);
    let name = name.strip_suffix('.').unwrap_or(name);
    match port {
        Some(port) => format!("{}:{port}", name.to_ascii_lowercase()),
        None => name.to_ascii_lowercase(),
    }
}

/// Whether `host` (in [`canonical_host`]'s form) names a CodeCommit git
/// endpoint, whole labels only:
/// `git-codecommit[-fips].REGION.amazonaws.com[.cn]`, or a VPC endpoint's
/// `vpce-ID.git-codecommit[-fips].REGION.vpce.amazonaws.com[.cn]`, with
/// an optional `:PORT`.
pub fn is_codecommit_host(host: &str) -> bool {
    let (name, _) = split_port(host);
    let labels: Vec<&str> = name.split('.').collect();
    let (endpoint, rest) = match labels.split_first() {
        Some((first, rest)) if first.starts_with("vpce-") => (Some(*first), rest),
        _ => (None, &labels[..]),
    };
    let [service, region, domain @ ..] = rest else {
        return false;
    };
    let domain = match endpoint {
        Some(endpoint) if is_label(endpoint) => match domain.split_first() {
            Some((&"vpce", domain)) => domain,
            _ => return false,
        },
        Some(_) => return false,
        None => domain,
    };
    SERVICES.contains(service) && is_label(region) && DOMAINS.contains(&domain)
}

/// `name` and the port after its last `:`, when what follows is a number.
fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (name, Some(port))
        }
        _ => (host, None),
    }
}

/// One DNS label as AWS names them: lower-case letters, digits and inner
/// hyphens.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A region's shape: `xx-name-N`, any number of name parts (`us-gov-west-1`,
/// `ap-southeast-5`, `eu-isoe-west-1`). Checked for shape only: a fixed
/// list goes stale.
pub fn is_region(text: &str) -> bool {
    let lower = |part: &&str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [area, names @ .., number] => {
            area.len() == 2
                && lower(area)
                && !names.is_empty()
                && names.iter().all(lower)
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

/// The region a CodeCommit host names, if it names one: the third group of
/// the AWS CLI's `(vpce-.+\.)?git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com`,
/// which `re.match` anchors at the start only (so `….amazonaws.com.cn` and
/// `…:443` match too). Matched by hand: compiling the pattern took a tenth
/// of a cached `get`.
pub fn region_from_host(host: &str) -> Option<&str> {
    // `(vpce-.+\.)?` is greedy: the rest after the endpoint name's last dot
    // is tried first, the host itself last.
    let after_endpoint = host.strip_prefix("vpce-").into_iter().flat_map(|name| {
        name.match_indices('.')
            .rev()
            // `.+`: at least one character, and never a newline.
            .filter(move |&(dot, _)| dot > 0 && !name[..dot].contains('\n'))
            .map(move |(dot, _)| &name[dot + 1..])
    });
    after_endpoint.chain([host]).find_map(named_region)
}

/// The region of `git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com`
/// at the start of `rest`.
fn named_region(rest: &str) -> Option<&str> {
    let rest = rest.strip_prefix("git-codecommit")?;
    let rest = rest
        .strip_prefix("-fips")
        .unwrap_or(rest)
        .strip_prefix('.')?;
    let (region, domain) = rest.split_once('.')?;
    let domain = domain.strip_prefix("vpce.").unwrap_or(domain);
    (!region.is_empty() && domain.starts_with("amazonaws.com")).then_some(region)
}

/// The host name that is signed: `host` up to its first `:`.
pub fn signed_host(host: &str) -> &str {
    host.split(':').next().unwrap_or(host)
}

/// The path that is signed: `/` + git's path, cut where `urlsplit` would end the
/// path (at a `?` or `#`), never normalised or percent-encoded.
pub fn signed_path(git_path: &str) -> String {
    let end = git_path.find(['?', '#']).unwrap_or(git_path.len());
    format!("/{}", &git_path[..end])
}

/// The CodeCommit git host of `region`: `git-codecommit[-fips].<region>`
/// under `amazonaws.com`, or `amazonaws.com.cn` in the China regions.
pub fn host(region: &str, fips: bool) -> String {
    let service = if fips {
        "git-codecommit-fips"
    } else {
        "git-codecommit"
    };
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("{service}.{region}.{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_codecommit_endpoints_only_whole_label_by_label() {
        for host in [
            "git-codecommit.us-east-1.amazonaws.com",
            "git-codecommit.us-east-1.amazonaws.com:8443",
            "git-codecommit-fips.us-gov-west-1.amazonaws.com",
            "git-codecommit.cn-north-1.amazonaws.com.cn",
            "git-codecommit.cn-northwest-1.amazonaws.com.cn",
            "vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-1.vpce.amazonaws.com",
            "vpce-0123-abcd-us-east-1a.git-codecommit-fips.ca-central-1.vpce.amazonaws.com",
        ] {
            assert!(is_codecommit_host(host), "{host}");
        }
        for host in [
            // What the AWS CLI's substring test lets through.
            "git-codecommit.us-east-1.amazonaws.com.evil.example",
            "evil-amazon.com.attacker.example",
            "example.amazon.com",
            "amazonaws.com",
            "x.git-codecommit.us-east-1.amazonaws.com",
            "git-codecommit.us-east-1.amazonaws.com.cn.evil",
            "git-codecommit.us-east-1.evilamazonaws.com",
            "git-codecommitx.us-east-1.amazonaws.com",
            "git-codecommit.amazonaws.com",
            "git-codecommit..amazonaws.com",
            "git-codecommit.us-east-1.vpce.amazonaws.com",
            "vpce-.git-codecommit.us-east-1.vpce.amazonaws.com",
            "vpce-a.git-codecommit.us-east-1.amazonaws.com",
            "vpce-a.b.git-codecommit.us-east-1.vpce.amazonaws.com",
            "git-codecommit.us-east-1.amazonaws.com:",
            "git-codecommit.us-east-1.amazonaws.com:x",
            "git-codecommit.us_east_1.amazonaws.com",
            "git-codecommit.us-east-1.amazonaws.com@evil.example",
            "github.com",
            "",
        ] {
            assert!(!is_codecommit_host(host), "{host}");
        }
    }

    #[test]
    fn hosts_compare_as_dns_names() {
        let cases = [
            (
                "GIT-CodeCommit.US-EAST-1.AmazonAWS.com",
                "git-codecommit.us-east-1.amazonaws.com",
            ),
            (
                "git-codecommit.us-east-1.amazonaws.com.",
                "git-codecommit.us-east-1.amazonaws.com",
            ),
            (
                "Git-CodeCommit.eu-west-1.amazonaws.com.:8443",
                "git-codecommit.eu-west-1.amazonaws.com:8443",
            ),
            ("127.0.0.1:8443", "127.0.0.1:8443"),
            ("[::1]:8443", "[::1]:8443"),
        ];
        for (host, canonical) in cases {
            assert_eq!(canonical_host(host), canonical, "{host}");
        }
        assert!(is_codecommit_host(&canonical_host(
            "GIT-CODECOMMIT.US-EAST-1.AMAZONAWS.COM."
        )));
    }

    #[test]
    fn regions_are_checked_for_shape_only() {
        for region in ["us-east-1", "eu-isoe-west-1", "il-central-1", "xx-new-99"] {
            assert!(is_region(region), "{region}");
        }
        for text in [
            "",
            "us",
            "us-1",
            "us-east",
            "us-East-1",
            "use-east-1",
            "us--1",
            "us-east-1a",
            "eu-west-1;id",
        ] {
            assert!(!is_region(text), "{text}");
        }
    }

    #[test]
    fn region_for_every_host_shape() {
        let cases = [
            ("git-codecommit.us-east-1.amazonaws.com", Some("us-east-1")),
            (
                "git-codecommit-fips.us-gov-west-1.amazonaws.com",
                Some("us-gov-west-1"),
            ),
            (
                "git-codecommit.us-gov-west-1.amazonaws.com",
                Some("us-gov-west-1"),
            ),
            (
                "git-codecommit.cn-north-1.amazonaws.com.cn",
                Some("cn-north-1"),
            ),
            (
                "git-codecommit.cn-northwest-1.amazonaws.com.cn",
                Some("cn-northwest-1"),
            ),
            (
                "git-codecommit.eu-west-1.amazonaws.com:443",
                Some("eu-west-1"),
            ),
            (
                "vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-1.vpce.amazonaws.com",
                Some("us-east-1"),
            ),
            (
                "vpce-0123-abcd-us-east-1a.git-codecommit-fips.ca-central-1.vpce.amazonaws.com",
                Some("ca-central-1"),
            ),
            ("codecommit.us-east-1.amazonaws.com", None),
            ("x.git-codecommit.us-east-1.amazonaws.com", None),
            ("git-codecommit.amazonaws.com", None),
            ("github.com", None),
        ];
        for (host, region) in cases {
            assert_eq!(region_from_host(host), region, "{host}");
        }
    }

    /// The AWS CLI's pattern, as its `re.match` reads it.
    const REGION_IN_HOST: &str =
        r"^(vpce-.+\.)?git-codecommit(-fips)?\.([^.]+)\.(vpce\.)?amazonaws\.com";

    #[test]
    fn region_is_what_the_aws_clis_pattern_captures() {
        let pattern = regex_lite::Regex::new(REGION_IN_HOST).unwrap();
        // Hosts strung from the pattern's own pieces and the characters it
        // turns on, in a fixed pseudo-random order.
        let pieces = [
            "vpce-",
            "vpce-a.",
            "vpce.",
            ".",
            "git-codecommit",
            "git-codecommit.",
            "-fips",
            "us-east-1",
            "us-east-1.",
            "amazonaws.com",
            ":443",
            "x",
            "\n",
            "-",
            "é",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below as u64).unwrap()
        };
        let mut named = 0;
        for _ in 0..200_000 {
            let host: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            let expected = pattern
                .captures(&host)
                .and_then(|captures| captures.get(3))
                .map(|region| region.as_str());
            assert_eq!(region_from_host(&host), expected, "{host:?}");
            named += usize::from(expected.is_some());
        }
        assert!(named > 100, "only {named} hosts named a region");
    }

    #[test]
    fn each_region_has_its_host_and_the_host_names_the_region_again() {
        let cases = [
            ("us-east-1", false, "git-codecommit.us-east-1.amazonaws.com"),
            (
                "us-east-1",
                true,
                "git-codecommit-fips.us-east-1.amazonaws.com",
            ),
            (
                "us-gov-west-1",
                false,
                "git-codecommit.us-gov-west-1.amazonaws.com",
            ),
            (
                "cn-north-1",
                false,
                "git-codecommit.cn-north-1.amazonaws.com.cn",
            ),
            (
                "cn-northwest-1",
                false,
                "git-codecommit.cn-northwest-1.amazonaws.com.cn",
            ),
        ];
        for (region, fips, expected) in cases {
            assert_eq!(host(region, fips), expected);
            assert_eq!(region_from_host(expected), Some(region));
            assert!(is_codecommit_host(expected));
        }
    }

    #[test]
    fn signed_host_drops_the_port() {
        assert_eq!(signed_host("h.amazonaws.com:8443"), "h.amazonaws.com");
        assert_eq!(signed_host("h.amazonaws.com"), "h.amazonaws.com");
    }

    #[test]
    fn signed_path_is_the_url_path() {
        assert_eq!(signed_path("v1/repos/my-repo"), "/v1/repos/my-repo");
        assert_eq!(signed_path("v1/repos/a b"), "/v1/repos/a b");
        assert_eq!(signed_path("v1/repos/r?x=1"), "/v1/repos/r");
        assert_eq!(signed_path("v1/repos/r#f"), "/v1/repos/r");
        assert_eq!(signed_path(""), "/");
    }
}
