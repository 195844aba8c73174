// The demo's CRM users (demo only, never used by the service itself): plausible names for the
// simulated extensions, so the wallboard and GraphiQL show people. Two people also have a softphone:
// with N extensions, person i owns 1000+i, and the last two extensions are the softphones of persons
// 0 and 1 (the demo's default of 52 extensions gives 50 people).
import type { PrismaClient } from "./store/database.ts";

const FIRST = [
  "Amelia", "Noah", "Sofia", "Liam", "Maya", "Lucas", "Chloe", "Mateo", "Aisha", "Ethan",
  "Yuki", "Omar", "Priya", "Jonas", "Elena", "Kwame", "Hannah", "Diego", "Leila", "Tomás",
  "Grace", "Arjun", "Freya", "Samuel", "Nadia", "Oliver", "Mei", "Rafael", "Zoe", "Ibrahim",
  "Clara", "Hugo", "Fatima", "Leon", "Ava", "Kenji", "Isabel", "Daniel", "Sara", "Malik",
  "Julia", "Finn", "Anaya", "Marco", "Lena", "Victor", "Nora", "Emeka", "Lucia", "Theo",
];
const LAST = [
  "Martin", "Okafor", "Rossi", "Nguyen", "Schmidt", "García", "Kowalski", "Haddad", "Tanaka", "Silva",
  "Johansson", "Patel", "Dubois", "Mensah", "Müller", "Fernández", "Ali", "Novak", "O'Brien", "Costa",
  "Kim", "Andersen", "Moreau", "Petrov", "Walsh", "Yilmaz", "Santos", "Bauer", "Chen", "Lindqvist",
  "Mwangi", "Romano", "Hughes", "Ortiz", "Sato", "Horvat", "Dias", "Fischer", "Khan", "Nowak",
  "Laurent", "Eriksen", "Murphy", "Adeyemi", "Vargas", "Weber", "Popescu", "Brennan", "Rahman", "Lopez",
];

export interface DemoUser {
  id: string;
  name: string;
  extensions: string[];
}

export function demoUsers(extensions: number, first = 1000): DemoUser[] {
  const people = extensions >= 12 ? extensions - 2 : extensions;
  const users: DemoUser[] = [];
  for (let i = 0; i < people; i++) {
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i * 7 + Math.floor(i / LAST.length)) % LAST.length]}`;
    // A fixed UUID per person: seeding again changes nothing.
    const id = `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
    users.push({ id, name, extensions: [String(first + i)] });
  }
  for (let k = 0; people + k < extensions && k < 2; k++) users[k]!.extensions.push(String(first + people + k));
  return users;
}

/** Writes the demo's users unless the database already has users (a real CRM's are never touched). */
export async function seedDemoUsers(prisma: PrismaClient, users: readonly DemoUser[]): Promise<number> {
  if ((await prisma.user.count()) > 0) return 0;
  for (const user of users) {
    const [main, ...more] = user.extensions;
    await prisma.user.create({
      data: { id: user.id, name: user.name, extension: main ?? null, extensions: { create: more.map((extension, position) => ({ extension, position: position + 1 })) } },
    });
  }
  return users.length;
}
