/** Readable plain-text rendering of a content result, for the CLI and the evaluation report. */
import type { ContentResult } from './generate.js';
import type { ContentOf, Kind } from './schemas/index.js';

const list = (items: readonly string[], bullet = '-') => items.map((s) => `  ${bullet} ${s}`).join('\n');
const numbered = (items: readonly string[]) => items.map((s, i) => `  ${i + 1}. ${s}`).join('\n');

function body(kind: Kind, c: unknown): string {
  switch (kind) {
    case 'lesson': {
      const l = c as ContentOf<'lesson'>;
      return [`# ${l.title}`, `Objectives:\n${list(l.objectives)}`, ...l.sections.map((s) => `## ${s.heading}\n${s.body}`), `Key terms:\n${list(l.key_terms.map((t) => `${t.term}: ${t.definition}`))}`, `Check for understanding:\n${numbered(l.check_for_understanding)}`].join('\n\n');
    }
    case 'quiz': {
      const q = c as ContentOf<'quiz'>;
      return [`# ${q.title}`, ...q.questions.map((x, i) =>
        x.type === 'multiple_choice'
          ? `${i + 1}. ${x.question}\n${x.options.map((o, j) => `   ${j === x.correct_index ? '*' : ' '} ${String.fromCharCode(97 + j)}) ${o}`).join('\n')}\n   Why: ${x.explanation}`
          : `${i + 1}. ${x.question}\n   Accepted: ${x.accepted_answers.join(' | ') || '(by rubric)'}${x.rubric ? `\n   Rubric: ${x.rubric}` : ''}\n   Why: ${x.explanation}`,
      )].join('\n\n');
    }
    case 'feedback': {
      const f = c as ContentOf<'feedback'>;
      return [f.overall, `What was right:\n${list(f.what_was_right)}`, `To review:\n${list(f.what_to_review.map((r) => `${r.point} — ${r.suggestion}`))}`, f.encouragement, `Next steps:\n${numbered(f.next_steps)}`].join('\n\n');
    }
    case 'knowledge_graph': {
      const g = c as ContentOf<'knowledge_graph'>;
      return [`Concepts:\n${list(g.concepts.map((x) => `${x.label} [${x.id}]: ${x.description}`))}`, `Relations:\n${list(g.relations.map((r) => `${r.from} --${r.type}--> ${r.to}`))}`].join('\n\n');
    }
    case 'explanation': {
      const e = c as ContentOf<'explanation'>;
      return `# ${e.title}\n\n${e.markdown}`;
    }
    case 'summary': {
      const s = c as ContentOf<'summary'>;
      return `# ${s.title}\n\n${s.format === 'bullets' ? list(s.bullets) : s.text}`;
    }
    case 'flashcards':
      return (c as ContentOf<'flashcards'>).cards.map((x, i) => `${i + 1}. ${x.front}\n   → ${x.back}`).join('\n');
    case 'outline': {
      const o = c as ContentOf<'outline'>;
      return [`# ${o.title}`, ...o.sections.map((s, i) => `${i + 1}. ${s.title}\n   ${s.summary}\n${list(s.objectives, '   -')}`)].join('\n\n');
    }
    case 'examples': {
      const e = c as ContentOf<'examples'>;
      return [`# ${e.title}`, ...e.examples.map((x, i) => `${i + 1}. ${x.title}\n   Problem: ${x.problem}\n${numbered(x.steps)}\n   Answer: ${x.answer}`)].join('\n\n');
    }
    case 'exercises': {
      const e = c as ContentOf<'exercises'>;
      return [`# ${e.title}`, ...e.exercises.map((x, i) => `${i + 1}. ${x.prompt}${x.hints.length ? `\n   Hints: ${x.hints.join(' / ')}` : ''}\n   Solution: ${x.solution}`)].join('\n\n');
    }
    case 'story': {
      const s = c as ContentOf<'story'>;
      return [`# ${s.title}`, `Characters:\n${list(s.characters.map((x) => `${x.name}: ${x.description}`))}`, ...s.chapters.map((ch) => `## ${ch.title}\n${ch.text}`), `Moral: ${s.blueprint.moral}`].join('\n\n');
    }
  }
}

export function renderText(result: ContentResult): string {
  const failed = result.quality.checks.filter((x) => !x.passed);
  const quality = result.quality.passed ? 'passed' : 'FAILED';
  const notes = failed.map((x) => `\n  ${x.severity}: ${x.name}: ${x.detail}`).join('');
  return `${body(result.kind, result.content)}\n\n— ${result.kind} by ${result.provider}/${result.model}, ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}, quality ${quality}${notes}\n`;
}
