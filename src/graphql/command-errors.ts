// Commands to Asterisk fail in three ways a client should tell apart: its own input (BAD_USER_INPUT),
// Asterisk refused (AMI_REFUSED, with Asterisk's message: rights, unknown member...), or no AMI link.
import { GraphQLError } from "graphql";
import { AmiResponseError } from "../ami/ami-errors.ts";
import { CommandInputError } from "../service/agent-commands.ts";
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
