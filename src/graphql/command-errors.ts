// Commands to Asterisk fail in three ways a client should tell apart: its own input (BAD_USER_INPUT),
// Asterisk refused (AMI_REFUSED, with Asterisk's message: rights, unknown member...), or no AMI link.
import { GraphQLError } from "graphql";
import { AmiResponseError } from "../ami/ami-errors.ts";
import { CommandInputError } from "../service/agent-commands.ts";
import { RevocationInputError, RevocationStorageError } from "../service/credential-revocations.ts";
import type { CommandResultModel } from "./models.ts";

export async function runCommand(run: () => Promise<CommandResultModel>): Promise<CommandResultModel> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CommandInputError) throw new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT" } });
    if (error instanceof AmiResponseError) {
      const said = error.response?.message ?? error.message;
      throw new GraphQLError(`Asterisk refused: ${said}`, { extensions: { code: "AMI_REFUSED", asterisk: said } });
    }
    throw new GraphQLError(`Asterisk unavailable: ${(error as Error).message}`, { extensions: { code: "AMI_UNAVAILABLE" } });
  }
}

/** Revocations fail on their input (BAD_USER_INPUT) or when the database does not store them (applied here only). */
export async function runRevocation<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RevocationInputError) throw new GraphQLError(error.message, { extensions: { code: "BAD_USER_INPUT" } });
    if (error instanceof RevocationStorageError) throw new GraphQLError(error.message, { extensions: { code: "DATABASE_UNAVAILABLE" } });
    throw error;
  }
}
