/**
 * The settings a `~/.aws/config` section may hold, so that `doctor` can flag a typo such as
 * `mfa_serail` (silently ignored by every reader). Sources: the keys aws-vault reads
 * (vault/config.go, and the fork's endpoint settings), botocore's session variables
 * (botocore/configprovider.py) and credential providers (botocore/credentials.py), the AWS CLI's
 * own `cli_*`/`output` settings, and the AWS SDKs and tools reference ("Settings reference").
 */

import { PROFILE_KEYS } from "../config/config.ts";

/** Keys of `[profile x]` and `[default]` sections: aws-vault's, then the SDKs' and the CLI's. */
export const PROFILE_SECTION_KEYS: ReadonlySet<string> = new Set([
  ...PROFILE_KEYS,
  "sso_registration_scopes",
  // botocore credentials and session variables
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "aws_account_id",
  "credential_source",
  "account_id_endpoint_mode",
  "api_versions",
  "auth_scheme_preference",
  "ca_bundle",
  "csm_client_id",
  "csm_enabled",
  "csm_host",
  "csm_port",
  "data_path",
  "defaults_mode",
  "disable_host_prefix_injection",
  "disable_request_compression",
  "ec2_metadata_service_endpoint",
  "ec2_metadata_service_endpoint_mode",
  "ec2_metadata_v1_disabled",
  "endpoint_discovery_enabled",
  "imds_use_ipv6",
  "max_attempts",
  "metadata_service_num_attempts",
  "metadata_service_timeout",
  "parameter_validation",
  "request_checksum_calculation",
  "request_min_compression_size_bytes",
  "response_checksum_validation",
  "retry_mode",
  "s3",
  "s3_disable_express_session_auth",
  "s3_disable_multiregion_access_points",
  "s3_use_arn_region",
  "sdk_ua_app_id",
  "sigv4a_signing_region_set",
  "tcp_keepalive",
  "use_dualstack_endpoint",
  "use_fips_endpoint",
  // the AWS CLI
  "output",
  "cli_auto_prompt",
  "cli_binary_format",
  "cli_follow_urlparam",
  "cli_history",
  "cli_pager",
  "cli_timestamp_format",
]);

/** Keys of `[sso-session x]` sections. */
export const SSO_SESSION_KEYS: ReadonlySet<string> = new Set([
  "sso_start_url",
  "sso_region",
  "sso_registration_scopes",
]);

/**
 * The known key closest to `key` when it is probably a typo of it (at most 2 edits, counting a
 * swap of neighbours as one, and never for short keys, where everything is "close").
 */
export function didYouMean(key: string, known: ReadonlySet<string>): string | undefined {
  if (key.length < 4) return undefined;
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    if (Math.abs(candidate.length - key.length) >= bestDistance) continue;
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[(i - 1) * cols + j] + 1,
        d[i * cols + j - 1] + 1,
        d[(i - 1) * cols + j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}
