// Run by tests/sso_auth_code_test.ts: the AWS SDK for JavaScript v3's SSO credential provider
// reads the token aws-vault wrote to ~/.aws/sso/cache and calls the (fake) SSO portal
// named by AWS_ENDPOINT_URL_SSO. Prints the credentials as JSON.
import { fromSSO } from "@aws-sdk/credential-providers";

const creds = await fromSSO({ profile: process.argv[2] })();
process.stdout.write(JSON.stringify(creds) + "\n");
