//! Which git hosts are CodeCommit, what of a request gets signed, and the
//! host a region's repositories live at.
//!
//! The rules copy the AWS CLI's `codecommit credential-helper` (awscli's
//! `customizations/codecommit.py`)
//! so that both answer the same hosts with the same signature: a substring test
//! for the host, the AWS CLI's own region pattern, the port dropped from the signed
//! host name, and the path as Python's `urlsplit` would see it. Pure functions.

/// The AWS CLI answers any host containing one of these.
const AMAZON_DOMAINS: [&str; 2] = ["amazon.com", "amazonaws.com"];

/// Whether the AWS CLI would answer for this `host` without `--ignore-host-check`.
pub fn is_codecommit_host(host: &str) -> bool {
    AMAZON_DOMAINS.iter().any(|domain| host.contains(domain))
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
    fn recognises_hosts_as_the_aws_cli_does() {
        for host in [
            "git-codecommit.us-east-1.amazonaws.com",
            "git-codecommit.cn-north-1.amazonaws.com.cn",
            "example.amazon.com",
            "git-codecommit.us-east-1.amazonaws.com:8443",
        ] {
            assert!(is_codecommit_host(host), "{host}");
        }
        for host in ["github.com", "gitlab.example.org", "amazonaws.co", ""] {
            assert!(!is_codecommit_host(host), "{host}");
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
