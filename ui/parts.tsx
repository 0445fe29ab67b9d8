/** Building blocks of the dashboard's views. */
import { type ComponentChildren, cloneElement, toChildArray, type VNode } from 'preact';

/** A titled section the header's links point at (`#id`). */
export function Section(props: { id: string; title: ComponentChildren; children: ComponentChildren }) {
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/**
 * A table with column headers. On a narrow screen (style.css) each row becomes a block of its
 * cells, each cell led by its column's name (`data-label`, set here on every cell of every row).
 */
export function Table(props: { columns: string[]; label?: string; children: ComponentChildren }) {
  const rows = toChildArray(props.children).map((row) => {
    if (typeof row !== 'object' || row.type !== 'tr') return row;
    const cells = toChildArray((row.props as { children?: ComponentChildren }).children).map((cell, i) =>
      typeof cell === 'object' ? cloneElement(cell as VNode, { 'data-label': props.columns[i] }) : cell,
    );
    return cloneElement(row, {}, ...cells);
  });
  return (
    <div class="scroll">
      <table aria-label={props.label} class="stacking">
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{rows}</tbody>
      </table>
    </div>
  );
}
