/**
 * Who the content is for, shared by every kind: grade or age (K-12 or adult), learning style,
 * interests, language, difficulty, and for workplace learning the industry and role.
 */
import { z } from 'zod';

export const LEARNING_STYLES = ['visual', 'auditory', 'reading_writing', 'kinesthetic', 'mixed'] as const;
export const DIFFICULTIES = ['beginner', 'intermediate', 'advanced'] as const;

export const personaSchema = z
  .object({
    /** 0-12 (0 = kindergarten), "K", or "adult" */
    grade: z.union([z.number().int().min(0).max(12), z.literal('K'), z.literal('adult')]).optional(),
    /** used for the grade when no grade is given: age 6 is grade 1, 18 and over is adult */
    age: z.number().int().min(3).max(120).optional(),
    learning_style: z.enum(LEARNING_STYLES).optional(),
    interests: z.array(z.string().min(1).max(100)).max(10).optional(),
    /** a BCP 47 language tag such as "en" or "pt-BR"; content is written in it */
    language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag such as "en" or "pt-BR"').optional(),
    difficulty: z.enum(DIFFICULTIES).optional(),
    industry: z.string().min(1).max(100).optional(),
    role: z.string().min(1).max(100).optional(),
  })
  .strict();

export type Persona = z.infer<typeof personaSchema>;

/** The persona's school grade (0 = kindergarten … 12), "adult", or undefined when neither grade nor age is known. */
export function gradeOf(persona: Persona | undefined): number | 'adult' | undefined {
  if (!persona) return undefined;
  if (persona.grade === 'K') return 0;
  if (persona.grade !== undefined) return persona.grade;
  if (persona.age === undefined) return undefined;
  if (persona.age >= 18) return 'adult';
  return Math.max(0, Math.min(12, persona.age - 5));
}

/** A one-paragraph description of the learner for a prompt. */
export function describePersona(persona: Persona | undefined): string {
  const grade = gradeOf(persona);
  const parts: string[] = [];
  if (grade === 'adult') parts.push('an adult learner');
  else if (grade === 0) parts.push('a kindergarten learner');
  else if (grade !== undefined) parts.push(`a grade ${grade} learner${persona?.age ? ` (age ${persona.age})` : ''}`);
  else parts.push('a general learner');
  if (persona?.role || persona?.industry) parts.push(`working${persona.role ? ` as ${persona.role}` : ''}${persona.industry ? ` in ${persona.industry}` : ''}`);
  if (persona?.learning_style) parts.push(`who learns best in a ${persona.learning_style.replace('_', '/')} style`);
  if (persona?.interests?.length) parts.push(`interested in ${persona.interests.join(', ')}`);
  if (persona?.difficulty) parts.push(`at ${persona.difficulty} difficulty`);
  return `${parts.join(', ')}. Write in language "${persona?.language ?? 'en'}".`;
}
