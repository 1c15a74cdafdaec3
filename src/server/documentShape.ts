import {
  type DefinitionNode,
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  print,
  type VariableDefinitionNode,
  visit,
} from 'graphql';

/** A subscription's operation without its root field's arguments, and the variables it still uses. */
interface Shape {
  readonly text: string;
  readonly variables: readonly string[];
}

const shapes = new WeakMap<DocumentNode, Map<string, Shape | null>>();

/**
 * The key of what an argument-free message's result depends on (a BOOKMARK,
 * see live/bookmarks.ts): the operation's selection with the root field's
 * arguments left out (the filter, `after`, ...: a bookmark's result never
 * depends on them), its fragments, and the values of the variables the
 * selection still uses (`@include(if: $x)`). Subscribers with different
 * filters but the same selection have the same key, so a bookmark round
 * executes and serialises once per shape, not once per filter. Null when
 * the root is not one plain field (a fragment at the root): then the
 * caller keys on the whole document and variables, as for any message.
 */
export function shapeKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variableValues: Readonly<Record<string, unknown>> | null | undefined,
): string | null {
  let byOperation = shapes.get(document);
  if (!byOperation) shapes.set(document, (byOperation = new Map()));
  const name = operationName ?? '';
  let shape = byOperation.get(name);
  if (shape === undefined) {
    shape = shapeOf(document, operationName);
    byOperation.set(name, shape);
  }
  if (!shape) return null;
  if (shape.variables.length === 0) return shape.text;
  // Absent and null differ: absent takes the definition's default.
  const values = shape.variables.map((v) => (variableValues && v in variableValues ? [variableValues[v]] : []));
  return `${shape.text}\u0000${JSON.stringify(values)}`;
}

function shapeOf(document: DocumentNode, operationName: string | null | undefined): Shape | null {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = operationName
    ? operations.find((d) => d.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!operation) return null;
  const [root, ...rest] = operation.selectionSet.selections;
  if (!root || rest.length > 0 || root.kind !== Kind.FIELD) return null;
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  const build = (variableDefinitions: readonly VariableDefinitionNode[]): DocumentNode => {
    const stripped: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: operation.operation,
      variableDefinitions,
      directives: operation.directives ?? [],
      selectionSet: { ...operation.selectionSet, selections: [{ ...root, arguments: [] }] },
    };
    return { kind: Kind.DOCUMENT, definitions: [stripped, ...fragments] as DefinitionNode[] };
  };
  const used = new Set<string>();
  visit(build([]), {
    Variable(node) {
      used.add(node.name.value);
    },
  });
  // Their definitions stay in the text: a default value decides the result like a given value does.
  const definitions = (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value));
  return { text: print(build(definitions)), variables: [...used].sort() };
}
