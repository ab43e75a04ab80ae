/** The learning loop's queries: the only place learning state is read or written. */
export { isUniqueViolation, type Db } from './db.js';
export * from './learners.js';
export * from './lessons.js';
export * from './submissions.js';
export * from './mastery.js';
export * from './jobs.js';
export * from './flashcards.js';
export { learningMigrations } from './migrations.js';
