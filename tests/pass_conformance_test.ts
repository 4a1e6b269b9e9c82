/** The keystore conformance suite for the pass backend, on a throwaway gpg key and store. */
import { runKeystoreConformance } from "./keystore_conformance.ts";
import { createPassStore } from "./pass_store.ts";
import { openPassKeystore } from "../keystore/pass.ts";

runKeystoreConformance("pass", async () => {
  const store = await createPassStore();
  try {
    const keystore = await openPassKeystore({
      keychainName: "aws-vault",
      secretServiceCollection: "awsvault",
      passDir: store.storeDir,
      passCmd: store.passCmd,
      passPrefix: "aws-vault",
      fileDir: "",
    });
    return {
      keystore,
      cleanup: store.cleanup,
      argvLog: store.argvLog,
      cliEnv: {
        AWS_VAULT_BACKEND: "pass",
        AWS_VAULT_PASS_CMD: store.passCmd,
        AWS_VAULT_PASS_PASSWORD_STORE_DIR: store.storeDir,
        AWS_VAULT_PASS_PREFIX: "aws-vault",
      },
    };
  } catch (err) {
    await store.cleanup();
    throw err;
  }
}, { needs: "pass and gpg" });
